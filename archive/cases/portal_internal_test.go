package cases

import (
	"fmt"
	"testing"
	"time"
)

// Guesses at ever new case numbers do not grow the portal's count without
// end, and do not free a number that is locked out.
func TestPortalGuardStaysBounded(t *testing.T) {
	var g portalGuard
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i <= portalFreeAttempts; i++ {
		g.attempt("SB2026-000001", now)
	}
	for i := 0; i < 3*portalMaxTracked; i++ {
		g.attempt(fmt.Sprintf("SB2026-%06d", 100000+i), now)
	}
	if n := len(g.fails); n > portalMaxTracked {
		t.Fatalf("%d numbers tracked, want at most %d", n, portalMaxTracked)
	}
	if _, locked := g.attempt("SB2026-000001", now); !locked {
		t.Fatal("a flood of other numbers freed a locked-out one")
	}
}
