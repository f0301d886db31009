package disposal_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/disposal"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"strings"
	"sync"
	"testing"
	"time"
)

// racingStore runs a hook when the disposal writes its disposed event
// (before the content is deleted) or deletes a blob.
type racingStore struct {
	*faultyStore
	onDisposed func()
	onDelete   func(key string)
	once       sync.Once
}

func (r *racingStore) Create(ctx context.Context, key string, data []byte) error {
	if strings.Contains(key, "/events/") && strings.Contains(string(data), `"type":"disposed"`) && r.onDisposed != nil {
		r.once.Do(r.onDisposed)
	}
	return r.faultyStore.Create(ctx, key, data)
}

func (r *racingStore) Delete(ctx context.Context, key string) error {
	if strings.HasPrefix(key, archive.BlobPrefix) && r.onDelete != nil {
		r.onDelete(key)
	}
	return r.faultyStore.Delete(ctx, key)
}

// An upload of the same content as a record being destroyed, made while
// the disposal runs, never leaves a material pointing at a deleted blob:
// either the disposal keeps the blob (uploaded after its snapshot) or the
// upload is refused and nothing is acknowledged. In one process (the
// directory store) and across two sharing a bucket on MinIO (the upload
// made by another server, whose guard is the store's lease and marks).
func TestDisposalRacesUpload(t *testing.T) {
	for _, across := range []bool{false, true} {
		for _, when := range []string{"after the snapshot", "during the delete"} {
			name := when
			if across {
				name = "another process, " + when
			}
			t.Run(name, func(t *testing.T) { raceUpload(t, when, across) })
		}
	}
}

func raceUpload(t *testing.T, when string, across bool) {
	kind := "disk"
	if across {
		kind = "minio"
	}
	e := newDisposalEnv(t, kind)
	rs := &racingStore{faultyStore: e.store}
	db := servicetest.OpenDB(t, e.dir+"/race.db")
	e.svc = service.New(service.Options{Store: rs, Projection: db, Now: e.clk.now})
	ctx := e.ctx
	_, no := e.archived("unemployment_benefit", "same bytes")
	e.clk.set(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	uploader, udb := e.svc, db
	if across {
		uploader, udb = servicetest.NewService(t, e.spec.Open(t), e.dir+"/other.db")
	}
	open, err := uploader.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "李四", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	var upErr error
	var wg sync.WaitGroup
	upload := func() {
		_, upErr = uploader.AddMaterial(ctx, servicetest.Clerk, open.ID, "id_card", "id.pdf", strings.NewReader(pdfWith("same bytes")))
	}
	switch when {
	case "after the snapshot":
		rs.onDisposed = upload
	case "during the delete":
		rs.onDelete = func(string) {
			wg.Add(1)
			go func() { defer wg.Done(); upload() }()
			time.Sleep(300 * time.Millisecond) // let the upload reach the blob's lock
		}
	}
	d, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "经鉴定，保管期限已满，同意销毁。", ArchiveNos: []string{no}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); err != nil {
		t.Fatal(err)
	}
	rs.onDelete = nil
	wg.Wait()
	c, err := udb.Case(ctx, open.ID)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case upErr != nil && archive.ErrorCode(upErr) != archive.ECONFLICT:
		t.Fatalf("upload during disposal: %v", upErr)
	case upErr == nil && len(c.Materials) != 1:
		t.Fatalf("acknowledged upload, materials %+v", c.Materials)
	case upErr != nil && len(c.Materials) != 0:
		t.Fatalf("refused upload left materials %+v", c.Materials)
	}
	for _, m := range c.Materials {
		if !e.exists(archive.BlobKey(m.SHA256)) {
			t.Fatalf("material %s points at a deleted blob (upload error %v)", m.ID, upErr)
		}
	}
	if when == "after the snapshot" && upErr != nil {
		t.Fatalf("an upload made before the delete is kept, not refused: %v", upErr)
	}
	// Refused or not, sending the file again stores it.
	if upErr != nil {
		upload()
		if upErr != nil || !e.exists(blobKeyOf("same bytes")) {
			t.Fatalf("upload again: %v", upErr)
		}
	}
}
