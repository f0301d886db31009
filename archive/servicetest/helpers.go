package servicetest

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/boltdb"
	"dossier/archive/cases"
	"dossier/archive/service"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func CreateCase(ctx context.Context, svc *service.Service, id string) error {
	_, _, err := svc.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
		if c.Seq != 0 {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s exists", id)
		}
		return archive.Event{Type: archive.EventCreated, Actor: "clerk1", Role: "clerk", Case: &archive.CaseOpened{
			Number: "N-" + id, BusinessType: "pension_claim",
			Applicant: archive.Applicant{Name: "张三", IDNumber: "11010519491231002X"},
		}}, nil
	})
	return err
}

func AddMaterial(ctx context.Context, svc *service.Service, id, name string) (uint64, error) {
	_, ev, err := svc.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
		if c.Seq == 0 {
			return archive.Event{}, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
		}
		return archive.Event{Type: archive.EventMaterialAdded, Actor: "clerk1", Role: "clerk", Material: &archive.Material{
			ID: fmt.Sprintf("m%d", c.Seq+1), Code: "id_card", Filename: name, ContentType: "application/pdf", Size: 1,
			SHA256: strings.Repeat("a", 64),
		}}, nil
	})
	return ev.Seq, err
}

// eventSeqs reads the seqs of a case's events straight from the store.
func EventSeqs(t testing.TB, store archive.ObjectStore, id string) []uint64 {
	var seqs []uint64
	err := store.Walk(context.Background(), "cases/"+id+"/events/", func(oi archive.ObjectInfo) error {
		_, seq, ok := archive.ParseEventKey(oi.Key)
		if !ok {
			return fmt.Errorf("stray key %s", oi.Key)
		}
		seqs = append(seqs, seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

func AssertContiguous(t testing.TB, seqs []uint64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("%d events in the store, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("event %d has seq %d: gap or duplicate", i+1, s)
		}
	}
}

// rebuiltDump rebuilds a fresh projection from the store alone.
func RebuiltDump(t testing.TB, store archive.ObjectStore) (map[string]json.RawMessage, cases.RebuildReport) {
	svc, db := NewService(t, store, filepath.Join(t.TempDir(), "rebuilt.db"))
	rep, err := svc.Rebuild(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d, rep
}

func Dump(t testing.TB, db *boltdb.DB) map[string]json.RawMessage {
	d, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func AssertSameProjection(t testing.TB, live, rebuilt map[string]json.RawMessage) {
	t.Helper()
	if len(live) != len(rebuilt) {
		t.Fatalf("live projection has %d cases, rebuilt %d", len(live), len(rebuilt))
	}
	for id, v := range live {
		if string(rebuilt[id]) != string(v) {
			t.Fatalf("case %s differs:\nlive    %s\nrebuilt %s", id, v, rebuilt[id])
		}
	}
}

func WantCode(t testing.TB, err error, code, what string) {
	t.Helper()
	if archive.ErrorCode(err) != code {
		t.Fatalf("%s: got %v, want code %s", what, err, code)
	}
}

// DecidedCase files a case of business type bt, with one material of the
// given content when not nil, and refuses it at acceptance.
func DecidedCase(t *testing.T, svc *service.Service, bt string, material []byte) string {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, Clerk, cases.NewCase{BusinessType: bt,
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	if material != nil {
		if _, err := svc.AddMaterial(ctx, Clerk, v.ID, "id_card", "身份证.pdf", bytes.NewReader(material)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Acceptance(ctx, Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// DecidedCases files n cases and refuses them at acceptance, so they are
// decided (not accepted) and ready for the archive.
func DecidedCases(t *testing.T, svc *service.Service, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := 0; i < n; i++ {
		v, err := svc.CreateCase(ctx, Clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Acceptance(ctx, Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}
