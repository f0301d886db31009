package fixity_test

import (
	"archive/zip"
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/content"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"fmt"
	"image"
	"image/png"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Editing one event in the bucket, or deleting one, is found and named.
func TestVerifyCaseEventsFindsTampering(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			id := archive.NewCaseID()
			if err := servicetest.CreateCase(ctx, svc, id); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				if _, err := servicetest.AddMaterial(ctx, svc, id, "f.pdf"); err != nil {
					t.Fatal(err)
				}
			}
			if p, err := fixity.VerifyCaseEvents(ctx, store, id); err != nil || len(p) != 0 {
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
			p, err := fixity.VerifyCaseEvents(ctx, store, id)
			if err != nil || len(p) != 1 || p[0].Object != archive.EventKey(id, 3) || p[0].CaseID != id || p[0].Check != "authenticity" {
				t.Fatalf("after editing event 2: %+v %v", p, err)
			}
			// Delete event 4.
			if err := store.Delete(ctx, archive.EventKey(id, 4)); err != nil {
				t.Fatal(err)
			}
			p, err = fixity.VerifyCaseEvents(ctx, store, id)
			if err != nil || len(p) != 2 || !strings.Contains(p[1].Detail, "缺失") || p[1].Object != archive.EventKey(id, 5) {
				t.Fatalf("after deleting event 4: %+v %v", p, err)
			}
		})
	}
}

func validPDF(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n1 0 obj << >> endobj\nxref\n0 1\n0000000000 65535 f \ntrailer << >>\nstartxref\n" + strconv.Itoa(len(text)) + "\n%%EOF\n")
}

func pngBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func docxBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<?xml version=\"1.0\"?><x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archivedWith files a case with the given materials, refuses it and
// archives it. A material with a content type is recorded as given,
// bypassing the upload's sniffing (a record damaged at the source).
func archivedWith(t *testing.T, svc *service.Service, store archive.ObjectStore, mats map[string][]byte, forcedType string) *archive.ArchiveRecord {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range mats {
		if forcedType == "" {
			if _, err := svc.AddMaterial(ctx, servicetest.Clerk, v.ID, "id_card", name, bytes.NewReader(content)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		bi, err := store.PutBlob(ctx, bytes.NewReader(content), archive.BlobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Append(ctx, v.ID, func(c *archive.Case) (archive.Event, error) {
			return archive.Event{Type: archive.EventMaterialAdded, Actor: servicetest.Clerk.UserID, Role: archive.RoleClerk, Material: &archive.Material{
				ID: "m-" + name, Code: "id_card", Filename: name, ContentType: forcedType, Size: bi.Size, SHA256: bi.SHA256, UploadedAt: time.Now()}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		t.Fatal(err)
	}
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// findProblem returns the problem of item about object, if any.
func findProblem(rep *fixity.FixityReport, item, object string) *archive.Problem {
	for _, ps := range [][]archive.Problem{rep.Problems, rep.Warnings} {
		for i, p := range ps {
			if p.Item == item && p.Object == object {
				return &ps[i]
			}
		}
	}
	return nil
}

// The four-properties check passes an untouched store of PDF, PNG, DOCX
// and text materials, and names case, 档号 and object of each planted
// fault: a material recorded as another format, a truncated PDF, a
// forged 件号 claim (a gap and a claim without its case), a stray blob, a
// forged 档号 pointer.
func TestVerifyFourProperties(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
			audit, err := audit.OpenAuditLog(ctx, store, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { audit.Close() })
			svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
			good := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表"), "b.png": pngBytes(t),
				"c.docx": docxBytes(t), "d.txt": []byte("社会保险材料说明\n第二行\n")}, "")
			// The same content in a second case: one blob, read once.
			archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表")}, "")
			if _, err := svc.PlaceHold(ctx, servicetest.Archivist, good.ArchiveNo, "诉讼中"); err != nil {
				t.Fatal(err)
			}
			rep, err := fixity.Verify(ctx, store, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failures() != 0 || rep.ArchivedCases != 2 || rep.ActiveHolds != 1 || len(rep.Properties) != 4 {
				t.Fatalf("untouched store: %+v", rep)
			}
			blobs := 0
			for _, p := range rep.Properties {
				for _, it := range p.Items {
					if it.Result == fixity.ResultFail || it.ID != fixity.ItemWORM && it.Result != fixity.ResultPass {
						t.Errorf("%s/%s: %s %+v", p.ID, it.ID, it.Result, it.Failures)
					}
					if it.ID == fixity.ItemFormatUsable {
						blobs = it.Checked
					}
				}
			}
			if blobs != 5 {
				t.Errorf("format checks: %d, want 5 (4 + the shared PDF in its second case)", blobs)
			}
			// Read: blobs once (4), events (8 + 4), manifests (2), pointers
			// (2). Verified against the manifests: the events before the
			// archiving (6 + 3) and the materials of each case (4 + 1).
			if rep.ReadObjects != 4+12+2+2 || rep.Objects != 9+5 {
				t.Errorf("objects read %d, verified %d", rep.ReadObjects, rep.Objects)
			}

			pdfAsPNG := archivedWith(t, svc, store, map[string][]byte{"x.png": validPDF("其实是PDF")}, content.TypePNG)
			truncated := archivedWith(t, svc, store, map[string][]byte{"y.pdf": []byte("%PDF-1.4\n1 0 obj << >> endobj\n")}, content.TypePDF)
			claim := fmt.Sprintf("archive-numbers/%s/%d/%s/%08d", good.Fonds, good.Year, good.Retention, 9)
			if err := store.Create(ctx, claim, []byte(`{"case_id":"ghost"}`)); err != nil {
				t.Fatal(err)
			}
			stray, err := store.PutBlob(ctx, strings.NewReader("nobody's"), archive.BlobOptions{})
			if err != nil {
				t.Fatal(err)
			}
			forged := "archives/" + strings.ReplaceAll(archiveno.Format(good.Fonds, good.Category, good.Year, good.Retention, good.Issue, 99), "·", ".")
			if err := store.Create(ctx, forged, []byte(`{"case_id":"`+good.CaseID+`"}`)); err != nil {
				t.Fatal(err)
			}
			rep, err = fixity.Verify(ctx, store, nil)
			if err != nil {
				t.Fatal(err)
			}
			matKey := func(rec *archive.ArchiveRecord) string {
				c, err := db.Case(ctx, rec.CaseID)
				if err != nil {
					t.Fatal(err)
				}
				return archive.BlobKey(c.Materials[0].SHA256)
			}
			for _, want := range []struct {
				item, object, detail string
				rec                  *archive.ArchiveRecord
			}{
				{fixity.ItemMetadataContent, matKey(pdfAsPNG), "登记为 image/png，但内容是 application/pdf", pdfAsPNG},
				{fixity.ItemFormatUsable, matKey(pdfAsPNG), "不能按登记的格式 image/png 打开", pdfAsPNG},
				{fixity.ItemFormatUsable, matKey(truncated), "%%EOF", truncated},
				{fixity.ItemItemNumbers, claim, "缺少件号 5 至 8", nil},
				{fixity.ItemItemNumbers, claim, "", nil},
				{fixity.ItemStrayObjects, stray.Key, "不属于任何案件", nil},
				{fixity.ItemArchiveNo, forged, "该案件的档号是 " + good.ArchiveNo, good},
			} {
				p := findProblem(rep, want.item, want.object)
				if p == nil || !strings.Contains(p.Detail, want.detail) {
					t.Errorf("no %s problem about %s (%q): %+v", want.item, want.object, want.detail, p)
					continue
				}
				if want.rec != nil && (p.CaseID != want.rec.CaseID || p.ArchiveNo != want.rec.ArchiveNo || p.CaseNumber == "") {
					t.Errorf("%s about %s names case %s %q %s, want %s %s", want.item, want.object, p.CaseID, p.CaseNumber, p.ArchiveNo, want.rec.CaseID, want.rec.ArchiveNo)
				}
			}
			var claimed bool
			for _, p := range rep.Problems {
				if p.Object == claim && strings.Contains(p.Detail, `的件号 9 已被取号`) && strings.Contains(p.Detail, `"ghost"`) {
					claimed = true
				}
			}
			if !claimed {
				t.Errorf("the claim without an archived case is not reported: %+v", rep.Problems)
			}
			if p := findProblem(rep, fixity.ItemStrayObjects, stray.Key); p == nil || p.Severity != fixity.ResultWarn {
				t.Errorf("a stray blob is a warning: %+v", p)
			}
			if rep.Result != fixity.ResultFail || rep.Failures() != 6 {
				t.Errorf("result %s with %d failures: %+v", rep.Result, rep.Failures(), rep.Problems)
			}
		})
	}
}

// On a bucket with Object Lock the WORM item passes, names the mode, and
// warns of an archived package the record says was not retained.
func TestVerifyWORM(t *testing.T) {
	ctx := context.Background()
	store := servicetest.OpenBucket(t, true, "GOVERNANCE")
	db := servicetest.OpenDB(t, filepath.Join(t.TempDir(), "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: openAudit(t, store)})
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, servicetest.DecidedCase(t, svc, "pension_enrolment", validPDF("身份证")))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures() != 0 || len(rep.Warnings) != 0 || rep.WORM == nil || !rep.WORM.Enabled || rep.Result != fixity.ResultPass {
		t.Fatalf("WORM bucket: %+v %+v", rep.WORM, rep.Problems)
	}
	// A package archived by a service that did not see the lock (as one
	// archived before Object Lock was turned on): its record says no WORM.
	blind := service.New(service.Options{Store: noRetainer{store}, Projection: servicetest.OpenDB(t, filepath.Join(t.TempDir(), "b.db")),
		Audit: openAudit(t, store)})
	plain := archivedWith(t, blind, store, map[string][]byte{"a.pdf": validPDF("x")}, "")
	rep, err = fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := findProblem(rep, fixity.ItemWORM, plain.ManifestKey)
	if rep.Failures() != 0 || p == nil || p.Severity != fixity.ResultWarn || p.CaseID != plain.CaseID || findProblem(rep, fixity.ItemWORM, rec.ManifestKey) != nil {
		t.Fatalf("an unretained package: %+v %+v", rep.Problems, rep.Warnings)
	}
}

// openAudit opens the audit log of store, closed when the test ends: a
// service without one leaves events that verify finds unaudited.
func openAudit(t *testing.T, store archive.ObjectStore) *audit.AuditLog {
	t.Helper()
	l, err := audit.OpenAuditLog(context.Background(), store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// noRetainer hides a store's WORM methods.
type noRetainer struct{ archive.ObjectStore }

// An event dated before the one preceding it is a metadata failure; a
// little clock skew between processes is only a warning.
func TestVerifyEventDates(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("x")}, "")
	for _, skew := range []time.Duration{10 * time.Second, 2 * time.Hour} {
		late := service.New(service.Options{Store: store, Projection: servicetest.OpenDB(t, filepath.Join(t.TempDir(), "late.db")),
			Now: func() time.Time { return time.Now().Add(-skew) }})
		_, ev, err := late.Append(ctx, rec.CaseID, func(c *archive.Case) (archive.Event, error) {
			return archive.Event{Type: archive.EventHoldPlaced, Actor: servicetest.Archivist.UserID, Role: archive.RoleArchivist,
				Hold: &archive.Hold{ID: "h" + skew.String(), Reason: "诉讼", PlacedBy: servicetest.Archivist.UserID, PlacedAt: time.Now()}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := fixity.Verify(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := findProblem(rep, fixity.ItemMetadataContent, archive.EventKey(rec.CaseID, ev.Seq))
		want := fixity.ResultWarn
		if skew > time.Minute {
			want = fixity.ResultFail
		}
		if p == nil || p.Severity != want || !strings.Contains(p.Detail, "比前一事件早") {
			t.Fatalf("an event %s back: %+v %+v", skew, rep.Problems, rep.Warnings)
		}
	}
}

// A 件号 claimed by an archiving that died before its archived event is
// the known gap window: a failure naming the number and the case, with
// the repair.
func TestVerifyDiedArchiving(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("x")}, "")
	id := servicetest.DecidedCases(t, svc, 1)[0]
	claim := fmt.Sprintf("archive-numbers/%s/%d/%s/%08d", rec.Fonds, rec.Year, rec.Retention, rec.Item+1)
	note := fmt.Sprintf(`{"fonds":%q,"year":%d,"retention":%q,"item":%d}`, rec.Fonds, rec.Year, rec.Retention, rec.Item+1)
	if err := store.Create(ctx, claim, []byte(`{"case_id":"`+id+`"}`)); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, "cases/"+id+"/archive-claim.json", []byte(note)); err != nil {
		t.Fatal(err)
	}
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := findProblem(rep, fixity.ItemItemNumbers, claim)
	if rep.Failures() != 1 || p == nil || p.CaseID != id || p.CaseNumber == "" || !strings.Contains(p.Detail, "重新归档该案件即可沿用此件号") {
		t.Fatalf("died archiving: %+v", rep.Problems)
	}
	// Archiving it again closes the gap.
	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, id); err != nil {
		t.Fatal(err)
	}
	if rep, err = fixity.Verify(ctx, store, nil); err != nil || rep.Failures() != 0 {
		t.Fatalf("after archiving again: %+v %v", rep.Problems, err)
	}
}
