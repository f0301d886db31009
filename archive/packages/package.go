package packages

import (
	"archive/zip"
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/identity"
	"dossier/archive/refdata"
	"dossier/archive/staging"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An archival package is a zip that carries archived cases from one dossier
// to another (SPEC §10 export / import). It describes itself:
//
//	dossier-package.json                  PackageIndex: every member with SHA-256 and size
//	index.csv                             目录 for people (UTF-8): 档号, business, year, files…
//	<档号>/manifest.json                  the archival package manifest, byte for byte
//	<档号>/events/<seq>.json              every event of the case, byte for byte
//	<档号>/materials/<sha256>             material contents
//	<档号>/notices/<sha256>               notice PDFs
//	<档号>/payment.json                   the execution (with its check or closure), payment
//	                                      items, the batches they were in with only the case's
//	                                      lines, and the return-file lines of the case, accounts
//	                                      masked: a record as of the export, not written to the
//	                                      store on import (the streams it comes from are not
//	                                      the case's)
//
// where <档号> spells "·" as ".". The archive pointer and the 件号 claims
// (archive-numbers/… and the case's archive-claim.json) are not members:
// import derives them from the archived event, so they cannot disagree
// with it.

// PackageFormat and PackageVersion identify the package index.
const (
	PackageFormat  = "dossier-archival-package"
	PackageVersion = 1
	// PackageIndexName and PackageCatalogueName are the fixed members.
	PackageIndexName     = "dossier-package.json"
	PackageCatalogueName = "index.csv"
)

// Member kinds of a package.
const (
	MemberManifest = "manifest"
	MemberEvent    = "event"
	MemberMaterial = "material"
	MemberNotice   = "notice"
	MemberPayment  = "payment"
)

// Limits of the package reader: bounded memory whatever the zip claims.
const (
	maxPackageIndex  = 256 << 20 // dossier-package.json
	maxPackageSmall  = 16 << 20  // one event or manifest
	maxPackageMember = 1 << 40   // one material or notice
)

// PackageSelection says which archives to export: the listed 档号, or every
// archive formed in Year (both may be given; the union is exported).
type PackageSelection struct {
	ArchiveNos []string `json:"archive_nos,omitempty"`
	Year       int      `json:"year,omitempty"`
}

// PackageIndex is dossier-package.json.
type PackageIndex struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	CreatedAt time.Time        `json:"created_at"`
	Exporter  string           `json:"exporter"`
	Selection PackageSelection `json:"selection"`
	// CatalogueSHA256 is the hash of index.csv.
	CatalogueSHA256 string           `json:"catalogue_sha256"`
	Archives        []PackageArchive `json:"archives"`
}

// PackageArchive is one archived case in a package.
type PackageArchive struct {
	ArchiveNo string          `json:"archive_no"`
	CaseID    string          `json:"case_id"`
	Members   []PackageMember `json:"members"`
}

// PackageMember is one object of an archived case: its name in the zip,
// its key in the store, and its hash and size.
type PackageMember struct {
	Name   string `json:"name"`
	Key    string `json:"key"`
	Kind   string `json:"kind"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Filename is the original file name of a material, the title of a
	// notice, for people reading the index.
	Filename string `json:"filename,omitempty"`
}

// PackageOptions tunes export and import.
type PackageOptions struct {
	// Catalogue names business types in index.csv (default: built-in).
	Catalogue *refdata.Catalogue
	// Now stamps the package (default time.Now).
	Now func() time.Time
	// Payments gives each case's execution and payment record; nil: the
	// package has none.
	Payments Payments
	// Progress, if not nil, is called after each archive of each stage
	// (export: "scan" then "export"; import: "verify" then "import") with
	// done and total.
	Progress func(stage string, done, total int)
}

func (o PackageOptions) progress(stage string, done, total int) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// PackageReport says what an export or import did.
type PackageReport struct {
	Archives   int      `json:"archives"`
	ArchiveNos []string `json:"archive_nos"`
	CaseIDs    []string `json:"case_ids"`
	Objects    int      `json:"objects"`
	Bytes      int64    `json:"bytes"`
	// Written counts objects an import created; Existing those already in
	// the store with the same content.
	Written  int `json:"written,omitempty"`
	Existing int `json:"existing,omitempty"`
}

// packageDir is the folder of an archive in the zip.
func packageDir(no string) string { return archive.ArchiveKeyName(no) }

// memberName is the zip name of an object of the archive no.
func memberName(no, kind, key string) string {
	dir := packageDir(no)
	switch kind {
	case MemberManifest:
		return dir + "/manifest.json"
	case MemberEvent:
		return dir + "/events/" + path.Base(key)
	case MemberMaterial:
		return dir + "/materials/" + strings.TrimPrefix(key, archive.BlobPrefix)
	case MemberNotice:
		return dir + "/notices/" + strings.TrimPrefix(key, archive.BlobPrefix)
	case MemberPayment:
		return dir + "/payment.json"
	}
	return ""
}

// memberNameRE is every name an archive's member may have.
var memberNameRE = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z]{2}\.[0-9]{4}-(Y|D10|D30|D50|D100)-[A-Z]{2}-[0-9]{4,}/(manifest\.json|payment\.json|events/[0-9]{10}\.json|(materials|notices)/[0-9a-f]{64})$`)

// exportArchive is what the first export pass learns about one archive.
type exportArchive struct {
	PackageArchive
	// What index.csv shows; the folded case is not kept, so memory grows
	// with the number of archives, not with their histories.
	number, businessType, applicant, idNumber, retention string
	year                                                 int
	// payment is the payment.json member, nil without one.
	payment []byte
}

// ExportPackages writes the selected archives as one package to w,
// streaming contents from the store (bounded memory besides the index).
// Every object is checked on the way out: the event chain, the manifest
// against the archived event, every content against the manifest, so a
// package never carries damage the store already had. Errors: EINVALID for
// a bad selection, ENOTFOUND for an unknown 档号 or an empty selection,
// EINTERNAL naming the object when the store's archive is damaged,
// EUNAVAILABLE; w then holds a partial package the caller should delete.
func ExportPackages(ctx context.Context, store archive.ObjectStore, sel PackageSelection, w io.Writer, opts PackageOptions) (*PackageReport, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Catalogue == nil {
		opts.Catalogue = refdata.DefaultCatalogue()
	}
	nos, err := selectArchives(ctx, store, sel)
	if err != nil {
		return nil, err
	}
	idx := PackageIndex{Format: PackageFormat, Version: PackageVersion, CreatedAt: opts.Now().UTC(),
		Exporter: "dossier", Selection: sel}
	var arcs []exportArchive
	rep := &PackageReport{}
	for i, no := range nos {
		a, err := describeArchive(ctx, store, no)
		if err != nil {
			return nil, err
		}
		if opts.Payments != nil {
			if a.payment, err = opts.Payments.PaymentRecord(ctx, a.CaseID); err != nil {
				return nil, err
			}
			if a.payment != nil {
				a.Members = append(a.Members, PackageMember{Name: memberName(no, MemberPayment, ""), Kind: MemberPayment,
					SHA256: archive.Sha256Hex(a.payment), Size: int64(len(a.payment))})
			}
		}
		arcs = append(arcs, a)
		idx.Archives = append(idx.Archives, a.PackageArchive)
		rep.ArchiveNos = append(rep.ArchiveNos, no)
		rep.CaseIDs = append(rep.CaseIDs, a.CaseID)
		opts.progress("scan", i+1, len(nos))
	}
	zw := zip.NewWriter(w)
	catalogue := packageCatalogue(arcs, opts.Catalogue)
	idx.CatalogueSHA256 = archive.Sha256Hex(catalogue)
	data, _ := json.MarshalIndent(idx, "", "  ")
	if err := writeMember(zw, PackageIndexName, idx.CreatedAt, bytes.NewReader(data), zip.Deflate); err != nil {
		return nil, err
	}
	if err := writeMember(zw, PackageCatalogueName, idx.CreatedAt, bytes.NewReader(catalogue), zip.Deflate); err != nil {
		return nil, err
	}
	for i, a := range arcs {
		for _, m := range a.Members {
			var err error
			if m.Kind == MemberPayment {
				err = writeMember(zw, m.Name, idx.CreatedAt, bytes.NewReader(a.payment), zip.Deflate)
			} else {
				err = exportMember(ctx, store, zw, a.ArchiveNo, m, idx.CreatedAt)
			}
			if err != nil {
				return nil, err
			}
			rep.Objects++
			rep.Bytes += m.Size
		}
		opts.progress("export", i+1, len(arcs))
	}
	if err := zw.Close(); err != nil {
		return nil, archive.E("archive.ExportPackages", archive.EUNAVAILABLE, err)
	}
	rep.Archives = len(arcs)
	return rep, nil
}

// selectArchives returns the selected 档号, sorted and without repeats.
func selectArchives(ctx context.Context, store archive.ObjectStore, sel PackageSelection) ([]string, error) {
	if len(sel.ArchiveNos) == 0 && sel.Year == 0 {
		return nil, archive.Errorf(archive.EINVALID, "choose what to export: one or more archive numbers, or a year")
	}
	if sel.Year != 0 && (sel.Year < 1900 || sel.Year > 9999) {
		return nil, archive.Errorf(archive.EINVALID, "year %d is not a four-digit year", sel.Year)
	}
	set := map[string]bool{}
	for _, no := range sel.ArchiveNos {
		if dotted := strings.Replace(no, ".", "·", 1); !archiveno.Valid(no) && archiveno.Valid(dotted) {
			no = dotted // typed as the package folder spells it
		}
		if !archiveno.Valid(no) {
			return nil, archive.Errorf(archive.EINVALID, "%q is not an archive number; one looks like Z109-SB·2026-D30-YL-0001", no)
		}
		if _, err := store.Stat(ctx, archive.ArchivePointer(no)); err != nil {
			if archive.IsCode(err, archive.ENOTFOUND) {
				return nil, archive.Errorf(archive.ENOTFOUND, "no archive has the number %s", no)
			}
			return nil, err
		}
		set[no] = true
	}
	if sel.Year != 0 {
		err := store.Walk(ctx, archive.ArchivePointerPrefix, func(oi archive.ObjectInfo) error {
			no := strings.Replace(strings.TrimPrefix(oi.Key, archive.ArchivePointerPrefix), ".", "·", 1)
			if archiveno.Valid(no) && archiveYear(no) == sel.Year {
				set[no] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(set) == 0 {
			return nil, archive.Errorf(archive.ENOTFOUND, "no archive was formed in %d", sel.Year)
		}
	}
	nos := make([]string, 0, len(set))
	for no := range set {
		nos = append(nos, no)
	}
	sort.Strings(nos)
	return nos, nil
}

// archiveYear is the 年度 of a well-formed 档号.
func archiveYear(no string) int {
	_, rest, _ := strings.Cut(no, "·")
	y, _ := strconv.Atoi(rest[:4])
	return y
}

// describeArchive reads and checks an archive's events and manifest and
// lists its members.
func describeArchive(ctx context.Context, store archive.ObjectStore, no string) (exportArchive, error) {
	ptr, err := archive.ReadAll(ctx, store, archive.ArchivePointer(no))
	if err != nil {
		return exportArchive{}, err
	}
	var ref struct {
		CaseID string `json:"case_id"`
	}
	if err := json.Unmarshal(ptr, &ref); err != nil || ref.CaseID == "" {
		return exportArchive{}, archive.Errorf(archive.EINTERNAL, "archive pointer %s is damaged; run dossier verify", archive.ArchivePointer(no))
	}
	var events []packageObject
	err = store.Walk(ctx, archive.CasePrefix+ref.CaseID+"/events/", func(oi archive.ObjectInfo) error {
		data, err := archive.ReadAll(ctx, store, oi.Key)
		if err != nil {
			return err
		}
		events = append(events, packageObject{Key: oi.Key, Name: oi.Key, Data: data})
		return nil
	})
	if err != nil {
		return exportArchive{}, err
	}
	c, rec, err := checkArchivedEvents(no, ref.CaseID, events)
	if err != nil {
		return exportArchive{}, damaged(err)
	}
	mdata, err := archive.ReadAll(ctx, store, rec.ManifestKey)
	if err != nil {
		if archive.IsCode(err, archive.ENOTFOUND) {
			return exportArchive{}, archive.Errorf(archive.EINTERNAL, "archive %s: the manifest %s is missing; run dossier verify", no, rec.ManifestKey)
		}
		return exportArchive{}, err
	}
	m, err := checkManifest(no, rec, packageObject{Key: rec.ManifestKey, Name: rec.ManifestKey, Data: mdata})
	if err != nil {
		return exportArchive{}, damaged(err)
	}
	a := exportArchive{PackageArchive: PackageArchive{ArchiveNo: no, CaseID: ref.CaseID}, number: c.Number,
		businessType: c.BusinessType, applicant: c.Applicant.Name, idNumber: identity.MaskIDNumber(c.Applicant.IDNumber),
		retention: rec.Retention, year: rec.Year}
	add := func(kind, key, sum string, size int64, filename string) {
		a.Members = append(a.Members, PackageMember{Name: memberName(no, kind, key), Key: key, Kind: kind,
			SHA256: sum, Size: size, Filename: filename})
	}
	add(MemberManifest, rec.ManifestKey, rec.ManifestSHA256, int64(len(mdata)), "")
	for _, e := range events {
		add(MemberEvent, e.Key, archive.Sha256Hex(e.Data), int64(len(e.Data)), "")
	}
	names := map[string]string{}
	for _, mat := range c.Materials {
		names[MemberMaterial+mat.SHA256] = mat.Filename
	}
	for _, n := range c.Notices {
		names[MemberNotice+n.SHA256] = n.Title
	}
	seen := map[string]bool{}
	for _, o := range m.Objects {
		if o.Kind != MemberMaterial && o.Kind != MemberNotice || seen[o.Kind+o.Key] {
			continue
		}
		seen[o.Kind+o.Key] = true
		if c.Status == archive.StatusDisposed {
			// Destroyed contents are not exported; the manifest still
			// lists them.
			if _, err := store.Stat(ctx, o.Key); archive.IsCode(err, archive.ENOTFOUND) {
				continue
			} else if err != nil {
				return exportArchive{}, err
			}
		}
		add(o.Kind, o.Key, o.SHA256, o.Size, names[o.Kind+o.SHA256])
	}
	return a, nil
}

// damaged turns a finding about the store into an export failure.
func damaged(err error) error {
	return archive.Errorf(archive.EINTERNAL, "%s; run dossier verify", err)
}

// exportMember streams one object into the zip, checking its hash.
func exportMember(ctx context.Context, store archive.ObjectStore, zw *zip.Writer, no string, m PackageMember, at time.Time) error {
	rc, _, err := store.Get(ctx, m.Key)
	if err != nil {
		if archive.IsCode(err, archive.ENOTFOUND) {
			return archive.Errorf(archive.EINTERNAL, "archive %s: %s %s is missing from the store; run dossier verify", no, m.Kind, m.Key)
		}
		return err
	}
	defer rc.Close()
	method := zip.Deflate
	if m.Kind == MemberMaterial || m.Kind == MemberNotice {
		// PDFs and images are compressed already.
		method = zip.Store
	}
	hr := staging.NewHashingReader(rc, m.Size)
	if err := writeMember(zw, m.Name, at, hr, method); err != nil {
		if archive.IsCode(err, archive.ETOOLARGE) {
			return archive.Errorf(archive.EINTERNAL, "archive %s: %s %s is larger than the manifest says; run dossier verify", no, m.Kind, m.Key)
		}
		return err
	}
	if hr.Size() != m.Size || hr.Sum() != m.SHA256 {
		return archive.Errorf(archive.EINTERNAL, "archive %s: %s %s does not match its recorded SHA-256 and size; run dossier verify", no, m.Kind, m.Key)
	}
	return nil
}

func writeMember(zw *zip.Writer, name string, at time.Time, r io.Reader, method uint16) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: at})
	if err != nil {
		return archive.E("archive.writeMember", archive.EUNAVAILABLE, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		var ae *archive.Error
		if errors.As(err, &ae) {
			return err
		}
		return archive.E("archive.writeMember", archive.EUNAVAILABLE, err)
	}
	return nil
}

// packageCatalogue is index.csv: one row per file, with a byte order mark
// so that spreadsheet programs read it as UTF-8. Identity numbers are
// masked.
func packageCatalogue(arcs []exportArchive, cat *refdata.Catalogue) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write([]string{"档号", "案件编号", "业务类型", "年度", "保管期限", "申请人", "证件号码", "文件类别", "文件名", "包内路径", "字节数", "SHA-256"})
	kinds := map[string]string{MemberManifest: "归档清单", MemberEvent: "案件事件", MemberMaterial: "申请材料", MemberNotice: "通知书", MemberPayment: "执行与支付记录"}
	for _, a := range arcs {
		bt := a.businessType
		if t, err := cat.Lookup(bt); err == nil {
			bt = t.Name
		}
		ret := "永久"
		if a.retention != "Y" {
			ret = strings.TrimPrefix(a.retention, "D") + "年"
		}
		for _, m := range a.Members {
			w.Write([]string{a.ArchiveNo, a.number, bt, strconv.Itoa(a.year), ret, a.applicant,
				a.idNumber, kinds[m.Kind], m.Filename, m.Name, strconv.FormatInt(m.Size, 10), m.SHA256})
		}
	}
	w.Flush()
	return buf.Bytes()
}

// packageObject is an event or manifest with its bytes; Name is what
// errors call it (zip member or store key).
type packageObject struct {
	Key, Name string
	Data      []byte
}

// checkArchivedEvents checks a case's events, in key order: each is the
// event its key names, they run from 1 without a gap, each chains to the
// one before, they fold, and the case is archived under no. Errors:
// EINVALID naming the object.
func checkArchivedEvents(no, caseID string, events []packageObject) (*archive.Case, *archive.ArchiveRecord, error) {
	c := &archive.Case{}
	for i, e := range events {
		ev, err := archive.DecodeEvent(e.Key, e.Data)
		if err != nil {
			return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: %s: %s", no, e.Name, err)
		}
		if ev.CaseID != caseID || ev.Seq != uint64(i+1) {
			return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: %s is event %d of case %s, expected event %d of case %s", no, e.Name, ev.Seq, ev.CaseID, i+1, caseID)
		}
		if ev.Prev != c.Head {
			return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: %s does not chain to the event before it: an event was changed", no, e.Name)
		}
		if err := c.ApplyStored(ev, archive.Sha256Hex(e.Data)); err != nil {
			return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: %s: %s", no, e.Name, err)
		}
	}
	rec := c.Archive
	if rec == nil {
		return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: the events of case %s do not archive it", no, caseID)
	}
	if rec.ArchiveNo != no || rec.CaseID != caseID ||
		rec.ArchiveNo != archiveno.Format(rec.Fonds, rec.Category, rec.Year, rec.Retention, rec.Issue, rec.Item) {
		return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: case %s was archived as %s", no, caseID, rec.ArchiveNo)
	}
	if !strings.HasPrefix(rec.ManifestKey, archive.CasePrefix+caseID+"/manifest-") || archive.ValidateKey(rec.ManifestKey) != nil {
		return nil, nil, archive.Errorf(archive.EINVALID, "archive %s: the manifest key %q is not the case's", no, rec.ManifestKey)
	}
	return c, rec, nil
}

// checkManifest checks the manifest's hash against the archived event and
// its contents against the archive. Errors: EINVALID naming the object.
func checkManifest(no string, rec *archive.ArchiveRecord, o packageObject) (*archive.Manifest, error) {
	if archive.Sha256Hex(o.Data) != rec.ManifestSHA256 {
		return nil, archive.Errorf(archive.EINVALID, "archive %s: %s differs from the manifest recorded when the case was archived", no, o.Name)
	}
	var m archive.Manifest
	if err := json.Unmarshal(o.Data, &m); err != nil {
		return nil, archive.Errorf(archive.EINVALID, "archive %s: %s is not valid JSON", no, o.Name)
	}
	if m.CaseID != rec.CaseID || m.ArchiveNo != no {
		return nil, archive.Errorf(archive.EINVALID, "archive %s: %s is the manifest of %s", no, o.Name, m.ArchiveNo)
	}
	for _, e := range m.Objects {
		ok := archive.ValidateSHA256(e.SHA256) == nil && e.Size >= 0
		switch e.Kind {
		case MemberEvent:
			id, _, isEvent := archive.ParseEventKey(e.Key)
			ok = ok && isEvent && id == rec.CaseID
		case MemberMaterial, MemberNotice:
			ok = ok && e.Key == archive.BlobKey(e.SHA256)
		default:
			ok = false
		}
		if !ok {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: %s lists a malformed object %q", no, o.Name, e.Key)
		}
	}
	return &m, nil
}

// Package is an opened archival package whose index and member names were
// checked; Verify checks the contents.
type Package struct {
	Index PackageIndex
	files map[string]*zip.File
	// records are the verified archive records by 档号.
	records map[string]*archive.ArchiveRecord
}

// OpenPackage reads a package's zip directory and index and checks them:
// every member name is one a package has (no absolute paths, "..",
// duplicates or unknown files), every member the index lists is present
// with the declared size, and the index is well-formed. It reads no
// content besides the index. Errors: EINVALID naming the member.
func OpenPackage(r io.ReaderAt, size int64) (*Package, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "the package is not a readable zip file")
	}
	p := &Package{files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if err := checkMemberName(f.Name); err != nil {
			return nil, err
		}
		if p.files[f.Name] != nil {
			return nil, archive.Errorf(archive.EINVALID, "the package has the member %q twice", f.Name)
		}
		p.files[f.Name] = f
	}
	idx := p.files[PackageIndexName]
	if idx == nil {
		return nil, archive.Errorf(archive.EINVALID, "the package has no %s; it was not written by dossier export", PackageIndexName)
	}
	data, err := p.read(idx, maxPackageIndex)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Index); err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "%s is not a valid package index", PackageIndexName)
	}
	if p.Index.Format != PackageFormat || p.Index.Version != PackageVersion {
		return nil, archive.Errorf(archive.EINVALID, "%s declares format %q version %d; this dossier reads %s version %d",
			PackageIndexName, p.Index.Format, p.Index.Version, PackageFormat, PackageVersion)
	}
	listed := map[string]bool{PackageIndexName: true, PackageCatalogueName: true}
	cases, nos := map[string]bool{}, map[string]bool{}
	for _, a := range p.Index.Archives {
		if !archiveno.Valid(a.ArchiveNo) {
			return nil, archive.Errorf(archive.EINVALID, "%s lists %q, which is not an archive number", PackageIndexName, a.ArchiveNo)
		}
		if a.CaseID == "" || archive.ValidateKey(archive.CasePrefix+a.CaseID) != nil || strings.Contains(a.CaseID, "/") {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: case id %q is malformed", a.ArchiveNo, a.CaseID)
		}
		if cases[a.CaseID] || nos[a.ArchiveNo] {
			return nil, archive.Errorf(archive.EINVALID, "archive %s or its case %s is in the package twice", a.ArchiveNo, a.CaseID)
		}
		cases[a.CaseID], nos[a.ArchiveNo] = true, true
		manifests := 0
		for _, m := range a.Members {
			if err := checkIndexMember(a, m); err != nil {
				return nil, err
			}
			if listed[m.Name] {
				return nil, archive.Errorf(archive.EINVALID, "archive %s: %s is listed twice", a.ArchiveNo, m.Name)
			}
			listed[m.Name] = true
			f := p.files[m.Name]
			if f == nil {
				return nil, archive.Errorf(archive.EINVALID, "archive %s: member %s is missing from the package", a.ArchiveNo, m.Name)
			}
			if f.UncompressedSize64 != uint64(m.Size) {
				return nil, archive.Errorf(archive.EINVALID, "archive %s: member %s is %d bytes in the zip, the index says %d", a.ArchiveNo, m.Name, f.UncompressedSize64, m.Size)
			}
			if m.Kind == MemberManifest {
				manifests++
			}
		}
		if manifests != 1 {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: the package must hold exactly one manifest, it has %d", a.ArchiveNo, manifests)
		}
	}
	for name := range p.files {
		if !listed[name] {
			return nil, archive.Errorf(archive.EINVALID, "the package has a member %s that its index does not list", name)
		}
	}
	return p, nil
}

// checkMemberName refuses any zip name a package cannot have.
func checkMemberName(name string) error {
	switch {
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\\\x00"):
		return archive.Errorf(archive.EINVALID, "the package has a member with a malformed name %q", name)
	case strings.HasPrefix(name, "/") || len(name) > 1 && name[1] == ':':
		return archive.Errorf(archive.EINVALID, "the package has a member with an absolute path %q", name)
	case name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, "/../") || strings.HasSuffix(name, "/.."):
		return archive.Errorf(archive.EINVALID, "the package has a member %q that points outside it (..)", name)
	case name == PackageIndexName || name == PackageCatalogueName || memberNameRE.MatchString(name):
		return nil
	}
	return archive.Errorf(archive.EINVALID, "the package has an unknown member %q", name)
}

// checkIndexMember checks one member entry of the index against its
// archive.
func checkIndexMember(a PackageArchive, m PackageMember) error {
	ok := archive.ValidateSHA256(m.SHA256) == nil && m.Size >= 0 && (archive.ValidateKey(m.Key) == nil || m.Kind == MemberPayment)
	switch m.Kind {
	case MemberPayment:
		ok = ok && m.Key == "" && m.Size <= maxPackageSmall
	case MemberManifest:
		ok = ok && strings.HasPrefix(m.Key, archive.CasePrefix+a.CaseID+"/manifest-") && m.Size <= maxPackageSmall
	case MemberEvent:
		id, _, isEvent := archive.ParseEventKey(m.Key)
		ok = ok && isEvent && id == a.CaseID && m.Size <= maxPackageSmall
	case MemberMaterial, MemberNotice:
		ok = ok && m.Key == archive.BlobKey(m.SHA256) && m.Size <= maxPackageMember
	default:
		ok = false
	}
	if !ok || m.Name != memberName(a.ArchiveNo, m.Kind, m.Key) {
		return archive.Errorf(archive.EINVALID, "archive %s: the index entry for %q is malformed", a.ArchiveNo, m.Name)
	}
	return nil
}

// read returns a whole member of at most limit bytes.
func (p *Package) read(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, archive.Errorf(archive.ETOOLARGE, "member %s is larger than %d bytes", f.Name, archive.SizeArg(limit))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "member %s cannot be read", f.Name)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "member %s is damaged", f.Name)
	}
	if int64(len(data)) != int64(f.UncompressedSize64) {
		return nil, archive.Errorf(archive.EINVALID, "member %s is not the size its zip entry declares", f.Name)
	}
	return data, nil
}

// open streams a member, failing once it yields more than declared.
func (p *Package) open(m PackageMember) (*staging.HashingReader, io.Closer, error) {
	rc, err := p.files[m.Name].Open()
	if err != nil {
		return nil, nil, archive.Wrapf("", archive.EINVALID, err, "member %s cannot be read", m.Name)
	}
	return staging.NewHashingReader(rc, m.Size), rc, nil
}

// hashMember reads a whole member and checks its size and SHA-256
// against the index.
func (p *Package) hashMember(a PackageArchive, m PackageMember) error {
	hr, c, err := p.open(m)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.Copy(io.Discard, hr); err != nil {
		var ae *archive.Error
		if errors.As(err, &ae) {
			return archive.Errorf(archive.EINVALID, "archive %s: member %s is larger than the index says", a.ArchiveNo, m.Name)
		}
		return archive.Wrapf("", archive.EINVALID, err, "archive %s: member %s is damaged", a.ArchiveNo, m.Name)
	}
	if hr.Size() != m.Size || hr.Sum() != m.SHA256 {
		return archive.Errorf(archive.EINVALID, "archive %s: member %s does not match its SHA-256 in %s: it was altered", a.ArchiveNo, m.Name, PackageIndexName)
	}
	return nil
}

// Verify checks every member of the package before anything is written:
// index.csv and each content's size and SHA-256 against the index; each archive's event
// chain, that its events archive it under its 档号, the manifest against
// the hash in the archived event, and every manifest object present in the
// package with the manifest's hash. Errors: EINVALID naming the archive
// and member.
func (p *Package) Verify(ctx context.Context, progress func(done, total int)) error {
	p.records = map[string]*archive.ArchiveRecord{}
	f := p.files[PackageCatalogueName]
	if f == nil {
		return archive.Errorf(archive.EINVALID, "the package has no %s", PackageCatalogueName)
	}
	data, err := p.read(f, maxPackageIndex)
	if err != nil {
		return err
	}
	if archive.Sha256Hex(data) != p.Index.CatalogueSHA256 {
		return archive.Errorf(archive.EINVALID, "member %s does not match its SHA-256 in %s: it was altered", PackageCatalogueName, PackageIndexName)
	}
	for i, a := range p.Index.Archives {
		if err := ctx.Err(); err != nil {
			return archive.E("archive.Verify", archive.EUNAVAILABLE, err)
		}
		rec, err := p.verifyArchive(a)
		if err != nil {
			return err
		}
		p.records[a.ArchiveNo] = rec
		if progress != nil {
			progress(i+1, len(p.Index.Archives))
		}
	}
	return nil
}

func (p *Package) verifyArchive(a PackageArchive) (*archive.ArchiveRecord, error) {
	var events []packageObject
	var manifest packageObject
	byKey := map[string]PackageMember{}
	for _, m := range a.Members {
		if m.Kind == MemberMaterial || m.Kind == MemberNotice {
			if err := p.hashMember(a, m); err != nil {
				return nil, err
			}
			byKey[m.Kind+m.Key] = m
			continue
		}
		data, err := p.read(p.files[m.Name], maxPackageSmall)
		if err != nil {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: %s", a.ArchiveNo, err)
		}
		if archive.Sha256Hex(data) != m.SHA256 {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: member %s does not match its SHA-256 in %s: it was altered", a.ArchiveNo, m.Name, PackageIndexName)
		}
		if m.Kind == MemberPayment {
			if err := checkPaymentRecord(a, m, data); err != nil {
				return nil, err
			}
			continue
		}
		o := packageObject{Key: m.Key, Name: m.Name, Data: data}
		if m.Kind == MemberManifest {
			manifest = o
		} else {
			events = append(events, o)
			byKey[m.Kind+m.Key] = m
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].Key < events[j].Key })
	c, rec, err := checkArchivedEvents(a.ArchiveNo, a.CaseID, events)
	if err != nil {
		return nil, err
	}
	if manifest.Key != rec.ManifestKey {
		return nil, archive.Errorf(archive.EINVALID, "archive %s: the package's manifest %s is not the case's manifest %s", a.ArchiveNo, manifest.Name, rec.ManifestKey)
	}
	m, err := checkManifest(a.ArchiveNo, rec, manifest)
	if err != nil {
		return nil, err
	}
	inManifest := map[string]bool{}
	for _, o := range m.Objects {
		inManifest[o.Kind+o.Key] = true
		got, ok := byKey[o.Kind+o.Key]
		if !ok && o.Kind != MemberEvent && c.Status == archive.StatusDisposed {
			continue // destroyed by an approved disposal
		}
		if !ok {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: %s %s listed in the manifest is missing from the package", a.ArchiveNo, o.Kind, o.Key)
		}
		if got.SHA256 != o.SHA256 || got.Size != o.Size {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: member %s differs from the manifest's SHA-256: it was altered", a.ArchiveNo, got.Name)
		}
	}
	for _, mem := range a.Members {
		if (mem.Kind == MemberMaterial || mem.Kind == MemberNotice) && !inManifest[mem.Kind+mem.Key] {
			return nil, archive.Errorf(archive.EINVALID, "archive %s: member %s is not in the case's manifest", a.ArchiveNo, mem.Name)
		}
	}
	return rec, nil
}

// ImportPackages verifies the package completely (Package.Verify) and that
// nothing in store contradicts it, and only then writes it: contents
// (content-addressed, hash-checked again), manifests, 件号 claims, archive
// pointers and events, each with a conditional create. Objects already in
// the store with the same bytes are left alone, so importing a package
// twice changes nothing. The projection is not touched: reconcile it
// afterwards. Errors: EINVALID naming the member (nothing written);
// ECONFLICT naming the key when the store holds different content under
// it (nothing written, unless another writer raced the import);
// EUNAVAILABLE.
func ImportPackages(ctx context.Context, store archive.ObjectStore, r io.ReaderAt, size int64, opts PackageOptions) (*PackageReport, error) {
	p, err := OpenPackage(r, size)
	if err != nil {
		return nil, err
	}
	total := len(p.Index.Archives)
	if err := p.Verify(ctx, func(done, total int) { opts.progress("verify", done, total) }); err != nil {
		return nil, err
	}
	rep := &PackageReport{Archives: total}
	type write struct {
		key, sum string
		data     []byte // derived objects
		m        *PackageMember
	}
	plan := make([][]write, total)
	for i, a := range p.Index.Archives {
		var ws []write
		rec := p.records[a.ArchiveNo]
		for j := range a.Members {
			m := &a.Members[j]
			if m.Kind == MemberMaterial || m.Kind == MemberNotice {
				ws = append(ws, write{key: m.Key, sum: m.SHA256, m: m})
			}
		}
		for j := range a.Members {
			m := &a.Members[j]
			if m.Kind == MemberManifest {
				ws = append(ws, write{key: m.Key, sum: m.SHA256, m: m})
			}
		}
		events := []write{}
		for j := range a.Members {
			m := &a.Members[j]
			if m.Kind == MemberEvent {
				events = append(events, write{key: m.Key, sum: m.SHA256, m: m})
			}
		}
		sort.Slice(events, func(i, j int) bool { return events[i].key < events[j].key })
		// The verified archived event names the claim and the pointer.
		ref := archiveno.CaseRef(a.CaseID)
		note := archiveno.ClaimNote(rec.Fonds, rec.Year, rec.Retention, rec.Item)
		ws = append(ws, write{key: archive.CaseClaimNoteKey(a.CaseID), sum: archive.Sha256Hex(note), data: note},
			write{key: archive.ItemClaimKey(rec.Fonds, rec.Year, rec.Retention, rec.Item), sum: archive.Sha256Hex(ref), data: ref},
			write{key: archive.ArchivePointer(a.ArchiveNo), sum: archive.Sha256Hex(ref), data: ref})
		ws = append(ws, events...)
		// Nothing may contradict the package before the first write.
		for _, w := range ws {
			if strings.HasPrefix(w.key, archive.BlobPrefix) {
				continue // content-addressed: same key, same content
			}
			got, err := archive.ReadAll(ctx, store, w.key)
			if archive.IsCode(err, archive.ENOTFOUND) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if archive.Sha256Hex(got) != w.sum {
				return nil, archive.Errorf(archive.ECONFLICT, "archive %s: the store already holds %s with different content; nothing was imported", a.ArchiveNo, w.key)
			}
		}
		plan[i] = ws
	}
	for i, a := range p.Index.Archives {
		for _, w := range plan[i] {
			existed, n, err := p.writeObject(ctx, store, a, w.key, w.sum, w.data, w.m)
			if err != nil {
				return nil, err
			}
			rep.Objects++
			rep.Bytes += n
			if existed {
				rep.Existing++
			} else {
				rep.Written++
			}
		}
		rep.ArchiveNos = append(rep.ArchiveNos, a.ArchiveNo)
		rep.CaseIDs = append(rep.CaseIDs, a.CaseID)
		opts.progress("import", i+1, total)
	}
	return rep, nil
}

// writeObject stores one object of an import: a content from the zip, a
// small member from the zip, or derived bytes.
func (p *Package) writeObject(ctx context.Context, store archive.ObjectStore, a PackageArchive, key, sum string, data []byte, m *PackageMember) (existed bool, n int64, err error) {
	if m != nil && (m.Kind == MemberMaterial || m.Kind == MemberNotice) {
		hr, c, err := p.open(*m)
		if err != nil {
			return false, 0, err
		}
		defer c.Close()
		info, err := store.PutBlob(ctx, hr, archive.BlobOptions{ExpectedSHA256: m.SHA256, MaxSize: m.Size})
		if err != nil {
			if archive.IsCode(err, archive.EINVALID) || archive.IsCode(err, archive.ETOOLARGE) {
				return false, 0, archive.Errorf(archive.EINVALID, "archive %s: member %s changed while it was imported: %s", a.ArchiveNo, m.Name, err)
			}
			return false, 0, err
		}
		return info.Existed, info.Size, nil
	}
	if m != nil {
		if data, err = p.read(p.files[m.Name], maxPackageSmall); err != nil {
			return false, 0, err
		}
		if archive.Sha256Hex(data) != sum {
			return false, 0, archive.Errorf(archive.EINVALID, "archive %s: member %s changed while it was imported", a.ArchiveNo, m.Name)
		}
	}
	err = store.Create(ctx, key, data)
	if archive.IsCode(err, archive.ECONFLICT) {
		got, rerr := archive.ReadAll(ctx, store, key)
		if rerr != nil {
			return false, 0, rerr
		}
		if !bytes.Equal(got, data) {
			return false, 0, archive.Errorf(archive.ECONFLICT, "archive %s: the store already holds %s with different content", a.ArchiveNo, key)
		}
		return true, int64(len(data)), nil
	}
	if err != nil {
		return false, 0, err
	}
	return false, int64(len(data)), nil
}

// checkPaymentRecord checks that a payment.json member is the record of
// its archive's case. Errors: EINVALID naming the member.
func checkPaymentRecord(a PackageArchive, m PackageMember, data []byte) error {
	var rec struct {
		CaseID string `json:"case_id"`
	}
	if err := json.Unmarshal(data, &rec); err != nil || rec.CaseID != a.CaseID {
		return archive.Errorf(archive.EINVALID, "archive %s: %s is not the payment record of case %s", a.ArchiveNo, m.Name, a.CaseID)
	}
	return nil
}
