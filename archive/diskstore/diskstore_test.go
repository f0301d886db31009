package diskstore_test

import (
	"testing"

	"dossier/archive"
	"dossier/archive/diskstore"
	"dossier/archive/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Test(t, func(t *testing.T) archive.ObjectStore {
		s, err := diskstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
