package cases_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// auditDownStore refuses to write audit segments while down is set.
type auditDownStore struct {
	archive.ObjectStore
	down atomic.Bool
}

func (s *auditDownStore) Create(ctx context.Context, key string, data []byte) error {
	if s.down.Load() && strings.HasPrefix(key, archive.AuditPrefix) {
		return archive.Errorf(archive.EUNAVAILABLE, "store down")
	}
	return s.ObjectStore.Create(ctx, key, data)
}

// auditDownService is a service on a disk store whose audit segments can
// be refused, with its audit log (closed when the test ends) and BoltDB.
func auditDownService(t *testing.T) (*auditDownStore, *audit.AuditLog, *boltdb.DB, *service.Service) {
	sp := servicetest.NewStoreSpec(t, "disk")
	store := &auditDownStore{ObjectStore: sp.Open(t)}
	log, err := audit.OpenAuditLog(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	return store, log, db, service.New(service.Options{Store: store, Projection: db, Audit: log})
}

// An upload's audit entry is written while BoltDB commits the event, yet
// it is in the stored log when AddMaterial answers; when the audit log
// cannot be written, the upload is answered with an error.
func TestAddMaterialAuditedBeforeAnswer(t *testing.T) {
	ctx := context.Background()
	store, auditLog, db, svc := auditDownService(t)
	clerk := archive.Actor{UserID: "c1", Roles: []string{archive.RoleClerk}}
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "scan.pdf", strings.NewReader("%PDF-1.7\nscan"))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := auditLog.Query(ctx, audit.AuditFilter{Action: "case.material_add"}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Target != "case/"+v.ID || entries[0].Detail != m.ID+" id_card" || entries[0].Actor != "c1" {
		t.Fatalf("audit entries after the upload: %+v", entries)
	}
	c, err := db.Case(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Materials) != 1 || c.Materials[0].ID != m.ID {
		t.Fatalf("projection after the upload: %+v", c.Materials)
	}

	store.down.Store(true)
	_, err = svc.AddMaterial(ctx, clerk, v.ID, "id_card", "scan2.pdf", strings.NewReader("%PDF-1.7\nother scan"))
	servicetest.WantCode(t, err, archive.EUNAVAILABLE, "upload while the audit log cannot be written")
}
