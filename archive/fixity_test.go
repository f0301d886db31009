package archive_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
)

// Editing one event in the bucket, or deleting one, is found and named.
func TestVerifyCaseEventsFindsTampering(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			store := sp.open(t)
			svc, _ := newService(t, store, filepath.Join(sp.dir, "live.db"))
			id := archive.NewCaseID()
			if err := createCase(ctx, svc, id); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				if _, err := addMaterial(ctx, svc, id, "f.pdf"); err != nil {
					t.Fatal(err)
				}
			}
			if p, err := archive.VerifyCaseEvents(ctx, store, id); err != nil || len(p) != 0 {
				t.Fatalf("an untouched log: %v %v", p, err)
			}
			// Edit event 2: change the file name, keep valid JSON.
			key := archive.EventKey(id, 2)
			data, err := archive.ReadAll(ctx, store, key)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := store.Create(ctx, key, bytes.Replace(data, []byte("f.pdf"), []byte("g.pdf"), 1)); err != nil {
				t.Fatal(err)
			}
			p, err := archive.VerifyCaseEvents(ctx, store, id)
			if err != nil || len(p) != 1 || p[0].Object != archive.EventKey(id, 3) || p[0].CaseID != id || p[0].Check != "authenticity" {
				t.Fatalf("after editing event 2: %+v %v", p, err)
			}
			// Delete event 4.
			if err := store.Delete(ctx, archive.EventKey(id, 4)); err != nil {
				t.Fatal(err)
			}
			p, err = archive.VerifyCaseEvents(ctx, store, id)
			if err != nil || len(p) != 2 || !strings.Contains(p[1].Detail, "missing") || p[1].Object != archive.EventKey(id, 5) {
				t.Fatalf("after deleting event 4: %+v %v", p, err)
			}
		})
	}
}
