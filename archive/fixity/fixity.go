package fixity

import (
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/audit"
	"dossier/archive/content"
	"dossier/archive/payment"
	"dossier/archive/zh"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The four properties of DA/T 70-2018 (四性).
const (
	PropAuthenticity = "authenticity" // 真实性
	PropIntegrity    = "integrity"    // 完整性
	PropUsability    = "usability"    // 可用性
	PropSecurity     = "security"     // 安全性
)

// Results of a check item, a property and a whole report.
const (
	ResultPass = "pass"
	ResultWarn = "warn"
	ResultFail = "fail"
)

// Check items, by id.
const (
	ItemContentHash      = "content_hash"
	ItemEventChain       = "event_chain"
	ItemAuditChain       = "audit_chain"
	ItemEventsAudited    = "events_audited"
	ItemMetadataContent  = "metadata_content"
	ItemArchiveNo        = "archive_no"
	ItemPackageObjects   = "package_objects"
	ItemEventSequence    = "event_sequence"
	ItemRequiredMetadata = "required_metadata"
	ItemNoticesIssued    = "notices_issued"
	ItemItemNumbers      = "item_numbers"
	ItemFormatUsable     = "format_usable"
	ItemRecordsParse     = "records_parse"
	ItemWORM             = "worm"
	ItemHolds            = "holds"
	ItemStrayObjects     = "stray_objects"
	ItemPayments         = "payments"
)

type fixityItemDef struct{ prop, id, name, desc string }

// fixityItems is the check list, in report order.
// owedGrace is how long a decision may go without its notice before
// verify calls it a defect: issuing takes moments, and a crash is repaired
// at the next start-up.
const owedGrace = 5 * time.Minute

var fixityItems = []fixityItemDef{
	{PropAuthenticity, ItemContentHash, "内容哈希校验", "归档包清单及其列出的每个对象的 SHA-256 与归档时记录的一致"},
	{PropAuthenticity, ItemEventChain, "业务事件哈希链", "每个案件的事件均可解析，且每个事件的 prev 等于前一事件的哈希"},
	{PropAuthenticity, ItemAuditChain, "审计日志哈希链", "审计日志条目连续，哈希链完整"},
	{PropAuthenticity, ItemEventsAudited, "业务事件均有审计记录", "每个案件事件都有记录其对象键和哈希的审计条目（事后补写的条目注明 late），事件内容与条目记录的哈希一致，条目所记的事件都在；导入的档案由其导入条目担保"},
	{PropAuthenticity, ItemMetadataContent, "元数据与内容一致", "清单及材料登记的大小、格式与对象内容一致；事件时间不倒流，归档时间晚于办结时间"},
	{PropAuthenticity, ItemArchiveNo, "档号格式与唯一性", "档号符合 DA/T 22-2015 格式并与归档记录各项一致；档号指针指向持有该档号的案件；没有两个案件共用一个档号"},
	{PropIntegrity, ItemPackageObjects, "归档包对象齐全", "每个已归档案件的清单存在，清单列出的每个对象都在，归档前的事件和材料都列入清单（已销毁案件的材料、通知书除外）"},
	{PropIntegrity, ItemEventSequence, "事件序列连续", "每个案件的事件序号从 1 起连续，没有缺失"},
	{PropIntegrity, ItemRequiredMetadata, "必要元数据齐全", "案件编号、业务类型、申请人、材料登记项和归档记录的必填项齐全"},
	{PropIntegrity, ItemNoticesIssued, "决定均有通知书", "每个需要书面告知的决定（受理、补正、不予受理、审核结果）在作出五分钟后都已出具通知书"},
	{PropIntegrity, ItemItemNumbers, "件号连续", "每个全宗、年度、保管期限内件号从 1 起连续，每个已取号的件号都有对应的已归档案件"},
	{PropIntegrity, ItemPayments, "支付记录完整", "执行、支付项和支付批次的事件链完整；每个已支付项在批次的银行回盘文件中都有支付成功记录；同一案件同一期间没有支付两次；批次金额平衡"},
	{PropUsability, ItemFormatUsable, "内容可按格式打开", "材料和通知书可按登记的格式打开（PDF 文件头与 xref/%%EOF、JPEG/PNG 图像头、TIFF 文件头、UTF-8/GB18030 文本、DOCX/OFD 压缩包目录）"},
	{PropUsability, ItemRecordsParse, "记录可解析", "清单、事件、档号指针、件号登记均为可解析的 JSON"},
	{PropSecurity, ItemWORM, "WORM 保护", "对象存储以一次写入（对象锁定）方式保存档案"},
	{PropSecurity, ItemHolds, "法律保全", "统计有效的法律保全；被保全的案件未被销毁"},
	{PropSecurity, ItemStrayObjects, "无游离对象", "存储中没有不被任何案件或清单引用的对象（发现时为警告）"},
}

var propertyNames = map[string]string{
	PropAuthenticity: "真实性", PropIntegrity: "完整性", PropUsability: "可用性", PropSecurity: "安全性",
}

// PropertyName is the Chinese name of a property (真实性, …).
func PropertyName(id string) string { return propertyNames[id] }

// FixityItem is one check item of a property with its result.
type FixityItem struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`        // 名称
	Description string            `json:"description"` // 说明
	Result      string            `json:"result"`      // pass, warn, fail
	Checked     int               `json:"checked"`     // objects or records examined
	Failed      int               `json:"failed"`
	Warnings    int               `json:"warnings"`
	Note        string            `json:"note,omitempty"`
	Failures    []archive.Problem `json:"failures"`
}

// FixityProperty is one of the four properties.
type FixityProperty struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	Result string       `json:"result"`
	Items  []FixityItem `json:"items"`
}

// FixityReport is the result of Verify: the four-properties check
// (四性检测, DA/T 70-2018) of the whole store.
type FixityReport struct {
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	Result        string    `json:"result"` // pass, warn, fail
	Cases         int       `json:"cases"`
	ArchivedCases int       `json:"archived_cases"`
	DisposedCases int       `json:"disposed_cases"`
	// Objects and Bytes count the archived objects verified against
	// their manifests (a blob shared by several cases counts in each).
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// ReadObjects and ReadBytes count what was read from the store:
	// events, manifests, pointers and each distinct blob once.
	ReadObjects  int                 `json:"read_objects"`
	ReadBytes    int64               `json:"read_bytes"`
	AuditEntries int                 `json:"audit_entries"`
	ActiveHolds  int                 `json:"active_holds"`
	WORM         *archive.WORMStatus `json:"worm,omitempty"`
	Properties   []FixityProperty    `json:"properties"`
	// Problems lists every failure, by object; Warnings what deserves a
	// look but does not fail the check.
	Problems []archive.Problem `json:"problems"`
	Warnings []archive.Problem `json:"warnings"`
}

// Failures counts the failures.
func (r *FixityReport) Failures() int { return len(r.Problems) }

// VerifyCaseEvents checks a case's event log in the store: every object
// parses as the event its key names, sequence numbers run from 1 without
// a gap, and each event's Prev is the hash of the previous object's bytes
// — so an edited, removed or inserted event is found. Errors only when the
// store cannot be read; findings are Problems.
func VerifyCaseEvents(ctx context.Context, store archive.ObjectStore, caseID string) ([]archive.Problem, error) {
	var keys []archive.ObjectInfo
	err := store.Walk(ctx, archive.CasePrefix+caseID+"/events/", func(oi archive.ObjectInfo) error {
		keys = append(keys, oi)
		return nil
	})
	if err != nil {
		return nil, err
	}
	col := newCollector()
	cs := &caseState{id: caseID}
	for _, oi := range keys {
		if _, _, ok := archive.ParseEventKey(oi.Key); !ok {
			col.add(archive.Problem{CaseID: caseID, Object: oi.Key, Check: PropIntegrity, Item: ItemEventSequence, Detail: "案件事件目录下有一个不是事件的对象：不属于事件链，请核实它从何而来"})
			continue
		}
		cs.events = append(cs.events, oi)
	}
	if _, err := readEvents(ctx, store, cs, col); err != nil {
		return nil, err
	}
	return col.problems, nil
}

// collector gathers problems and counts per item; safe for concurrent use.
type collector struct {
	mu       sync.Mutex
	problems []archive.Problem
	checked  map[string]int
	notes    map[string]string
}

func newCollector() *collector {
	return &collector{checked: map[string]int{}, notes: map[string]string{}}
}

func (c *collector) add(p archive.Problem) {
	if p.Severity == "" {
		p.Severity = ResultFail
	}
	if p.Check == "" {
		for _, d := range fixityItems {
			if d.id == p.Item {
				p.Check = d.prop
			}
		}
	}
	c.mu.Lock()
	c.problems = append(c.problems, p)
	c.mu.Unlock()
}

func (c *collector) count(item string, n int) {
	c.mu.Lock()
	c.checked[item] += n
	c.mu.Unlock()
}

// caseState is what the check learns about one case.
type caseState struct {
	id       string
	events   []archive.ObjectInfo // listed event objects, in key order
	manifest map[string]int64
	// claimNote: the case noted the 件号 it claimed (archiving.go).
	claimNote bool
	// Filled by checkCase.
	c        *archive.Case
	disposed bool
	hashes   map[string]eventSum // event key → hash and size of its bytes
	pending  int                 // blob references not yet resolved
	ownDone  bool
}

type eventSum struct {
	sum  string
	size int64
	at   time.Time // the event's time, once it decoded
}

// blobRef is one manifest entry of a blob, of one case.
type blobRef struct {
	caseID   string
	kind     string
	sha256   string
	size     int64
	declared string // content type the case records
}

// blobState is one distinct blob: read and hashed once however many cases
// share it.
type blobState struct {
	key  string
	refs []blobRef
	done bool
	res  blobResult
}

type blobResult struct {
	missing  bool
	size     int64
	sum      string
	sniffed  string // format found in the content
	openErr  string // why the content does not open as the sniffed format
	openWarn string
}

// verifier is one run of Verify.
type verifier struct {
	store archive.ObjectStore
	col   *collector

	mu       sync.Mutex
	cases    map[string]*caseState
	blobs    map[string]*blobState // blob key → state, once queued
	listed   map[string]int64      // every blob key listed → size
	objects  int                   // read
	bytes    int64                 // read
	pkgObjs  int                   // verified against a manifest
	pkgBytes int64
	done     int
	progress func(done, total int)
	blobJobs chan *blobState
	// payBlobs are the return files the payment batches keep.
	payBlobs []string
}

// Verify runs the four-properties check (四性检测, DA/T 70-2018, SPEC §7)
// over the whole store, reading nothing but the store (it runs beside a
// server): authenticity (content hashes of every archival package, event
// and audit hash chains, metadata against content, 档号 format and
// uniqueness), integrity (package objects present, event sequences,
// required metadata, 件号 without gaps), usability (contents open as their
// declared format) and security (WORM, holds, stray objects). A blob
// shared by several cases is read and hashed once. progress, if not nil,
// is called as cases complete. Errors only when the store fails; findings
// are in the report.
func Verify(ctx context.Context, store archive.ObjectStore, progress func(done, total int)) (*FixityReport, error) {
	v := &verifier{store: store, col: newCollector(), cases: map[string]*caseState{}, blobs: map[string]*blobState{},
		listed: map[string]int64{}, progress: progress}
	rep := &FixityReport{StartedAt: archive.SystemClock().UTC()}
	pointers, claims, err := v.list(ctx)
	if err != nil {
		return nil, err
	}
	rep.Cases = len(v.cases)

	// Cases are checked by many workers (small objects: latency-bound);
	// the blobs they list by one worker per CPU (large objects: hashing
	// is most of the CPU), each reading the next chunk while it hashes the
	// last, so the check runs near the store's read speed.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	v.blobJobs = make(chan *blobState, 1024)
	var bwg sync.WaitGroup
	for w := 0; w < max(2, runtime.GOMAXPROCS(0)); w++ {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			r := newBlobReader()
			for b := range v.blobJobs {
				if ctx.Err() != nil {
					continue
				}
				res, n, err := r.check(ctx, store, b.key)
				if err != nil {
					fail(err)
					continue
				}
				v.blobDone(b, res, n)
			}
		}()
	}
	ids := make([]string, 0, len(v.cases))
	for id := range v.cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	jobs := make(chan *caseState)
	var cwg sync.WaitGroup
	for w := 0; w < 16; w++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for cs := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := v.checkCase(ctx, cs); err != nil {
					fail(err)
				}
			}
		}()
	}
	for _, id := range ids {
		jobs <- v.cases[id]
	}
	close(jobs)
	cwg.Wait()
	close(v.blobJobs)
	bwg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := v.checkNumbers(ctx, pointers, claims); err != nil {
		return nil, err
	}
	var archived []payment.ArchivedCase
	for _, id := range ids {
		if cs := v.cases[id]; cs.c != nil && cs.c.Archive != nil && !cs.disposed {
			archived = append(archived, payment.ArchivedCase{ID: id, Number: cs.c.Number})
		}
	}
	pay, err := payment.Verify(ctx, store, ItemPayments, archived)
	if err != nil {
		return nil, err
	}
	v.col.count(ItemPayments, pay.Checked)
	for _, p := range pay.Problems {
		v.col.add(p)
	}
	v.payBlobs = pay.ReturnFiles
	v.checkStrays()
	audit, err := audit.VerifyAuditLog(ctx, store)
	if err != nil {
		return nil, err
	}
	rep.AuditEntries = audit.Entries
	v.col.count(ItemAuditChain, audit.Entries)
	for _, p := range audit.Problems {
		v.col.add(archive.Problem{Object: p.Object, Item: ItemAuditChain, Detail: auditProblemText(p)})
	}
	v.checkHoldActs(audit.HoldActs)
	v.checkLoanActs(audit.LoanActs)
	if err := v.checkEventsAudited(ctx, audit); err != nil {
		return nil, err
	}
	rep.WORM = v.checkWORM(ctx)
	for _, cs := range v.cases {
		if cs.c == nil || cs.c.Archive == nil || cs.disposed {
			continue
		}
		v.col.count(ItemWORM, 1)
		// A record whose retention is over has nothing left to retain.
		if rec := cs.c.Archive; rep.WORM.Enabled && (rec.WORM == nil || !rec.WORM.Enabled) && !archiveno.RetentionOver(rec.RetainUntil, archive.SystemClock()) {
			v.col.add(archive.Problem{CaseID: cs.id, Object: rec.ManifestKey, Item: ItemWORM, Severity: ResultWarn,
				Detail: "归档包未置于保留期保护之下（在开启对象锁定前归档，或设置保留期失败）：请运行 `dossier retain`"})
		}
	}
	for _, cs := range v.cases {
		if cs.c == nil {
			continue
		}
		if cs.c.Archive != nil {
			rep.ArchivedCases++
		}
		if cs.disposed {
			rep.DisposedCases++
		}
		for _, h := range cs.c.Holds {
			if h.LiftedAt == nil {
				rep.ActiveHolds++
				v.col.count(ItemHolds, 1)
				if cs.disposed {
					v.col.add(archive.Problem{CaseID: cs.id, Object: archive.EventKey(cs.id, cs.c.Seq), Item: ItemHolds, Detail: fmt.Sprintf("案件在法律保全 %s 有效期间被销毁：被保全的档案不得销毁，请核实销毁经过", h.ID)})
				}
			}
		}
	}
	v.col.notes[ItemHolds] = fmt.Sprintf("有效保全 %d 项", rep.ActiveHolds)
	rep.ReadObjects, rep.ReadBytes = v.objects, v.bytes
	rep.Objects, rep.Bytes = v.pkgObjs, v.pkgBytes
	v.finish(rep)
	return rep, nil
}

// list walks the store's prefixes once: case events and manifests, blobs,
// archive pointers and item claims.
func (v *verifier) list(ctx context.Context) (pointers, claims []archive.ObjectInfo, err error) {
	get := func(id string) *caseState {
		cs := v.cases[id]
		if cs == nil {
			cs = &caseState{id: id, manifest: map[string]int64{}}
			v.cases[id] = cs
		}
		return cs
	}
	var others []archive.ObjectInfo
	err = v.store.Walk(ctx, archive.CasePrefix, func(oi archive.ObjectInfo) error {
		if id, _, ok := archive.ParseEventKey(oi.Key); ok {
			get(id).events = append(get(id).events, oi)
			return nil
		}
		others = append(others, oi)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, oi := range others {
		rest := strings.TrimPrefix(oi.Key, archive.CasePrefix)
		id, name, _ := strings.Cut(rest, "/")
		if cs := v.cases[id]; cs != nil && strings.HasPrefix(name, "manifest-") && strings.HasSuffix(name, ".json") && !strings.Contains(name, "/") {
			cs.manifest[oi.Key] = oi.Size
			continue
		}
		if cs := v.cases[id]; cs != nil && oi.Key == archive.CaseClaimNoteKey(id) {
			cs.claimNote = true
			continue
		}
		v.col.add(archive.Problem{CaseID: id, Object: oi.Key, Item: ItemStrayObjects, Severity: ResultWarn, Detail: "cases/ 下有一个既不是案件事件、也不是归档清单的对象：不属于任何档案，请核实它从何而来"})
	}
	err = v.store.Walk(ctx, archive.BlobPrefix, func(oi archive.ObjectInfo) error {
		v.listed[oi.Key] = oi.Size
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = v.store.Walk(ctx, archive.ArchivePointerPrefix, func(oi archive.ObjectInfo) error {
		pointers = append(pointers, oi)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = v.store.Walk(ctx, archive.ArchiveNumberPrefix, func(oi archive.ObjectInfo) error {
		claims = append(claims, oi)
		return nil
	})
	return pointers, claims, err
}

// readEvents reads a case's events in order, checks their sequence and
// hash chain, and folds them. It returns the folded case, nil when the
// log does not fold (the problem is reported).
func readEvents(ctx context.Context, store archive.ObjectStore, cs *caseState, col *collector) (int64, error) {
	add := func(key, item, format string, args ...any) {
		col.add(archive.Problem{CaseID: cs.id, Object: key, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	cs.hashes = map[string]eventSum{}
	var total int64
	var prevSum string
	var prevAt time.Time
	var want uint64 = 1
	c := &archive.Case{}
	folds := true
	for _, oi := range cs.events {
		_, seq, _ := archive.ParseEventKey(oi.Key)
		if seq != want {
			add(oi.Key, ItemEventSequence, "事件 %d 紧接在事件 %d 之后：事件 %d 至 %d 缺失，可能已被删除", seq, want-1, want, seq-1)
			prevSum = "" // the chain cannot be checked across the gap
			folds = false
		}
		want = seq + 1
		data, err := archive.ReadAll(ctx, store, oi.Key)
		if archive.IsCode(err, archive.ENOTFOUND) {
			add(oi.Key, ItemEventSequence, "事件 %d 在检测过程中消失了：请重新运行检测，仍缺失则说明已被删除", seq)
			prevSum, folds = "", false
			continue
		}
		if err != nil {
			return total, err
		}
		total += int64(len(data))
		sum := archive.Sha256Hex(data)
		cs.hashes[oi.Key] = eventSum{sum: sum, size: int64(len(data))}
		col.count(ItemEventChain, 1)
		col.count(ItemEventSequence, 1)
		col.count(ItemRecordsParse, 1)
		ev, err := archive.DecodeEvent(oi.Key, data)
		if err != nil {
			col.add(archive.Problem{CaseID: cs.id, Object: oi.Key, Check: PropAuthenticity, Item: ItemEventChain, Detail: "事件无法解析：" + zh.Message(err)})
			prevSum, folds = sum, false
			continue
		}
		cs.hashes[oi.Key] = eventSum{sum: sum, size: int64(len(data)), at: ev.At}
		if seq > 1 && prevSum != "" && ev.Prev != prevSum {
			col.add(archive.Problem{CaseID: cs.id, Object: oi.Key, Check: PropAuthenticity, Item: ItemEventChain, Detail: fmt.Sprintf("事件 %d 与事件 %d 的哈希链接不符：前一事件被改动过", seq, seq-1)})
		}
		prevSum = sum
		if !prevAt.IsZero() && ev.At.Before(prevAt) {
			// Processes sharing the bucket may differ by a little clock
			// skew; more than a minute back is a wrong date.
			p := archive.Problem{CaseID: cs.id, Object: oi.Key, Item: ItemMetadataContent, Detail: fmt.Sprintf("事件 %d 的时间为 %s，比前一事件早 %s：事件时间倒流，请核实服务器时钟",
				seq, ev.At.Format(time.RFC3339Nano), prevAt.Sub(ev.At))}
			if prevAt.Sub(ev.At) <= time.Minute {
				p.Severity = ResultWarn
			}
			col.add(p)
		}
		prevAt = ev.At
		if !folds {
			continue
		}
		if ev.Type == archive.EventDisposed {
			// Folded by Apply where disposal is known; the check only
			// needs to know the contents are gone.
			cs.disposed = true
			if err := c.Apply(ev); err != nil {
				c.Seq, c.UpdatedAt = ev.Seq, ev.At
			}
			continue
		}
		if err := c.Apply(ev); err != nil {
			add(oi.Key, ItemEventChain, "事件与之前的事件不相符，无法依次应用：%s", zh.Message(err))
			folds = false
		}
	}
	if folds && c.Seq > 0 {
		cs.c = c
		if c.Status == archive.StatusDisposed {
			cs.disposed = true
		}
	}
	return total, nil
}

// checkCase checks one case: its events, and when archived its manifest,
// pointer and metadata; the blobs it lists are queued for the blob
// workers.
func (v *verifier) checkCase(ctx context.Context, cs *caseState) error {
	n, err := readEvents(ctx, v.store, cs, v.col)
	if err != nil {
		return err
	}
	read := len(cs.hashes)
	var refs []blobRef
	var keys []string
	var pkgObjs int
	var pkgBytes int64
	defer func() {
		v.mu.Lock()
		v.objects += read
		v.bytes += n
		v.pkgObjs += pkgObjs
		v.pkgBytes += pkgBytes
		v.mu.Unlock()
		v.queue(cs, keys, refs)
	}()
	add := func(key, item, format string, args ...any) {
		v.col.add(archive.Problem{CaseID: cs.id, Object: key, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	c := cs.c
	if c == nil {
		return nil
	}
	v.checkCaseMetadata(cs)
	rec := c.Archive
	if rec == nil {
		// Not archived yet: its materials and notices are checked against
		// the hashes and sizes its events record.
		keys, refs = v.recordedBlobs(cs, add)
		return nil
	}
	data, err := archive.ReadAll(ctx, v.store, rec.ManifestKey)
	if archive.IsCode(err, archive.ENOTFOUND) {
		add(rec.ManifestKey, ItemPackageObjects, "归档包清单缺失：可能已被删除")
		return nil
	}
	if err != nil {
		return err
	}
	read++
	n += int64(len(data))
	v.col.count(ItemContentHash, 1)
	if archive.Sha256Hex(data) != rec.ManifestSHA256 {
		add(rec.ManifestKey, ItemContentHash, "清单在归档后被改动过：其哈希与归档记录不符")
	}
	var m archive.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		add(rec.ManifestKey, ItemRecordsParse, "清单不是有效的 JSON，无法解析")
		return nil
	}
	v.col.count(ItemRecordsParse, 1)
	if m.CaseID != c.ID || m.ArchiveNo != rec.ArchiveNo {
		add(rec.ManifestKey, ItemMetadataContent, "清单属于案件 %s、档号 %s，而归档记录为案件 %s、档号 %s", m.CaseID, m.ArchiveNo, c.ID, rec.ArchiveNo)
	}
	listed := map[string]bool{}
	v.col.count(ItemPackageObjects, len(m.Objects))
	for _, o := range m.Objects {
		listed[o.Key] = true
		switch o.Kind {
		case "event":
			v.col.count(ItemContentHash, 1)
			h, ok := cs.hashes[o.Key]
			if !ok {
				add(o.Key, ItemPackageObjects, "清单列出的事件缺失：可能已被删除")
				continue
			}
			pkgObjs++
			pkgBytes += h.size
			if h.size != o.Size {
				add(o.Key, ItemMetadataContent, "事件大小为 %d 字节，清单记录为 %d 字节", h.size, o.Size)
			}
			if h.sum != o.SHA256 {
				add(o.Key, ItemContentHash, "事件内容的哈希 %s 与清单记录的 %s 不符：事件被改动过", h.sum, o.SHA256)
			}
		case "material", "notice":
			if cs.disposed {
				// Destroyed by an approved disposal: expected absent.
				continue
			}
			if o.Key != archive.BlobKey(o.SHA256) {
				add(o.Key, ItemMetadataContent, "%s以键 %s 列入清单，但其 SHA-256 记为 %s，二者不符", kindName(o.Kind), o.Key, o.SHA256)
			}
			if _, ok := v.listed[o.Key]; !ok {
				add(o.Key, ItemPackageObjects, "清单列出的%s缺失：可能已被删除", kindName(o.Kind))
				continue
			}
			declared := content.TypePDF
			if o.Kind == "material" {
				declared = ""
				for _, mat := range c.Materials {
					if archive.BlobKey(mat.SHA256) == o.Key {
						declared = mat.ContentType
						if mat.Size != o.Size {
							add(o.Key, ItemMetadataContent, "材料 %s 登记为 %d 字节，清单记录为 %d 字节", mat.ID, mat.Size, o.Size)
						}
					}
				}
			}
			keys = append(keys, o.Key)
			refs = append(refs, blobRef{caseID: cs.id, kind: o.Kind, sha256: o.SHA256, size: o.Size, declared: declared})
		default:
			add(rec.ManifestKey, ItemRecordsParse, "清单列出的 %s 类型 %q 无法识别", o.Key, o.Kind)
		}
	}
	// Everything the case had when it was archived is in the package.
	archivedSeq := uint64(0)
	for _, e := range c.History {
		if e.Type == archive.EventArchived {
			archivedSeq = e.Seq
		}
	}
	for _, oi := range cs.events {
		if _, seq, _ := archive.ParseEventKey(oi.Key); seq < archivedSeq && !listed[oi.Key] {
			add(oi.Key, ItemPackageObjects, "事件 %d 早于归档，却未列入清单", seq)
		}
	}
	for _, mat := range c.Materials {
		if !listed[archive.BlobKey(mat.SHA256)] {
			add(archive.BlobKey(mat.SHA256), ItemPackageObjects, "案件的材料 %s（%s）未列入清单", mat.ID, mat.Filename)
		}
	}
	for _, no := range c.Notices {
		if no.IssuedAt.Before(rec.ArchivedAt) && !listed[archive.BlobKey(no.SHA256)] {
			add(archive.BlobKey(no.SHA256), ItemPackageObjects, "案件的通知书 %s 未列入清单", no.DocNumber)
		}
	}
	return nil
}

// checkCaseMetadata checks required fields, dates and the archive
// record's fields.
func (v *verifier) checkCaseMetadata(cs *caseState) {
	c := cs.c
	first := archive.EventKey(c.ID, 1)
	add := func(key, item, format string, args ...any) {
		v.col.add(archive.Problem{CaseID: cs.id, Object: key, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	v.col.count(ItemRequiredMetadata, 1+len(c.Materials))
	var missing []string
	for _, f := range []struct{ name, val string }{{"案件编号", c.Number}, {"业务类型", c.BusinessType}, {"申请人姓名", c.Applicant.Name}} {
		if strings.TrimSpace(f.val) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		add(first, ItemRequiredMetadata, "案件缺少%s", strings.Join(missing, "、"))
	}
	for _, m := range c.Materials {
		if m.ID == "" || m.Code == "" || m.Filename == "" || m.ContentType == "" || archive.ValidateSHA256(m.SHA256) != nil || m.Size <= 0 {
			add(archive.BlobKey(m.SHA256), ItemRequiredMetadata, "材料 %q 缺少材料代码、文件名、内容类型、SHA-256 或大小", m.ID)
		}
	}
	v.col.count(ItemNoticesIssued, 1)
	for _, o := range c.Owed {
		// The notice follows its decision within moments, or is issued
		// at the next start-up or reconciliation; an old debt is a defect.
		if archive.SystemClock().Sub(o.At) > owedGrace {
			add(archive.EventKey(c.ID, o.Seq), ItemNoticesIssued, "案件 %[3]s 于 %[2]s 作出的决定（事件 %[1]d）应向申请人出具%[4]s通知书，但一直未出具：请重新启动 dossier serve 补出",
				o.Seq, o.At.In(archive.Zone).Format("2006-01-02 15:04"), c.Number, noticeKindName(o.Kind))
		}
	}
	rec := c.Archive
	if rec == nil {
		return
	}
	key := rec.ManifestKey
	if key == "" {
		key = first
	}
	v.col.count(ItemArchiveNo, 1)
	v.col.count(ItemMetadataContent, 1)
	if rec.Fonds == "" || rec.Category == "" || rec.Year == 0 || rec.Retention == "" || rec.Item <= 0 ||
		rec.ManifestKey == "" || rec.ManifestSHA256 == "" || rec.ArchivedAt.IsZero() || rec.ArchivedBy == "" || rec.CaseID == "" {
		add(key, ItemRequiredMetadata, "归档记录缺少全宗号、类别、年度、保管期限、件号、清单、归档时间或归档人")
	}
	if rec.CaseID != "" && rec.CaseID != c.ID {
		add(key, ItemMetadataContent, "归档记录所记的案件为 %s，与本案件不符", rec.CaseID)
	}
	if !archiveno.Valid(rec.ArchiveNo) {
		add(key, ItemArchiveNo, "档号 %q 格式不正确", rec.ArchiveNo)
	} else if want := archiveno.Format(rec.Fonds, rec.Category, rec.Year, rec.Retention, rec.Issue, rec.Item); want != rec.ArchiveNo {
		add(key, ItemArchiveNo, "档号 %s 与归档记录各项不符（按记录应为 %s）", rec.ArchiveNo, want)
	}
	// The end of retention decides when a record may be destroyed: it
	// must be the one its year and retention give.
	if rec.Year != 0 && rec.Retention != "" {
		end, err := archiveno.RetentionEnd(rec.Year, rec.Retention)
		day := func(t *time.Time) string {
			if t == nil {
				return "永不（永久）"
			}
			return t.In(archive.Zone).Format("2006-01-02")
		}
		switch {
		case err != nil:
			add(key, ItemMetadataContent, "归档记录的保管期限 %q 既不是 Y 也不是 D<年数>", rec.Retention)
		case (end == nil) != (rec.RetainUntil == nil) || end != nil && !end.Equal(*rec.RetainUntil):
			add(key, ItemMetadataContent, "归档记录的保管期限截止于 %s，但按年度 %d、保管期限 %s 应截止于 %s", day(rec.RetainUntil), rec.Year, rec.Retention, day(end))
		}
	}
	if c.DecidedAt == nil {
		add(key, ItemMetadataContent, "案件没有办结（决定）日期就已归档")
	} else {
		if rec.ArchivedAt.Before(*c.DecidedAt) {
			add(key, ItemMetadataContent, "归档时间 %s 早于办结（决定）时间 %s", rec.ArchivedAt.Format(time.RFC3339), c.DecidedAt.Format(time.RFC3339))
		}
		if y := c.DecidedAt.In(archive.Zone).Year(); y != rec.Year {
			add(key, ItemMetadataContent, "档号的年度 %d 不是办结（决定）的年度（%d）", rec.Year, y)
		}
	}
}

// queue hands a case's blob references to the blob workers, reading each
// distinct blob once; the case completes when all its blobs have.
func (v *verifier) queue(cs *caseState, keys []string, refs []blobRef) {
	var send []*blobState
	v.mu.Lock()
	for i, key := range keys {
		b := v.blobs[key]
		switch {
		case b == nil:
			b = &blobState{key: key}
			v.blobs[key] = b
			send = append(send, b)
			fallthrough
		case !b.done:
			b.refs = append(b.refs, refs[i])
			cs.pending++
		default:
			v.judge(b, refs[i])
		}
	}
	cs.ownDone = true
	v.caseProgress(cs)
	v.mu.Unlock()
	for _, b := range send {
		v.blobJobs <- b
	}
}

// caseProgress counts a case done once its own checks and all its blobs
// are. Called with v.mu held.
func (v *verifier) caseProgress(cs *caseState) {
	if cs.ownDone && cs.pending == 0 {
		cs.ownDone = false // count once
		v.done++
		if v.progress != nil {
			v.progress(v.done, len(v.cases))
		}
	}
}

func (v *verifier) blobDone(b *blobState, res blobResult, n int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	b.done, b.res = true, res
	if !res.missing {
		v.objects++
		v.bytes += n
	}
	for _, r := range b.refs {
		v.judge(b, r)
		cs := v.cases[r.caseID]
		cs.pending--
		v.caseProgress(cs)
	}
	b.refs = nil
}

// recordedBlobs lists the blobs a case that is not archived records in
// its events — materials and notices — for the blob workers, naming any
// that is missing.
func (v *verifier) recordedBlobs(cs *caseState, add func(key, item, format string, args ...any)) (keys []string, refs []blobRef) {
	if cs.disposed {
		return nil, nil
	}
	ref := func(kind, sum string, size int64, declared string) {
		key := archive.BlobKey(sum)
		if _, ok := v.listed[key]; !ok {
			add(key, ItemPackageObjects, "案件事件所记的%s缺失：可能已被删除", kindName(kind))
			return
		}
		keys = append(keys, key)
		refs = append(refs, blobRef{caseID: cs.id, kind: kind, sha256: sum, size: size, declared: declared})
	}
	for _, m := range cs.c.Materials {
		if archive.ValidateSHA256(m.SHA256) == nil {
			ref("material", m.SHA256, m.Size, m.ContentType)
		}
	}
	for _, n := range cs.c.Notices {
		if archive.ValidateSHA256(n.SHA256) == nil {
			ref("notice", n.SHA256, n.Size, content.TypePDF)
		}
	}
	return keys, refs
}

// judge compares a blob read with one case's manifest entry. Called with
// v.mu held.
func (v *verifier) judge(b *blobState, r blobRef) {
	add := func(item, format string, args ...any) {
		v.col.add(archive.Problem{CaseID: r.caseID, Object: b.key, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	res := b.res
	v.col.count(ItemContentHash, 1)
	if res.missing {
		add(ItemPackageObjects, "清单列出的%s缺失：可能已被删除", kindName(r.kind))
		return
	}
	v.pkgObjs++
	v.pkgBytes += res.size
	v.col.count(ItemMetadataContent, 1)
	v.col.count(ItemFormatUsable, 1)
	if res.size != r.size || v.listed[b.key] != r.size {
		add(ItemMetadataContent, "%s大小为 %d 字节，清单记录为 %d 字节", kindName(r.kind), res.size, r.size)
	}
	if res.sum != r.sha256 {
		add(ItemContentHash, "%s内容的哈希 %s 与清单记录的 %s 不符：内容被改动过", kindName(r.kind), res.sum, r.sha256)
	}
	switch {
	case r.declared == "":
		add(ItemRequiredMetadata, "%s没有登记内容类型", kindName(r.kind))
	case res.sniffed == "":
		add(ItemFormatUsable, "%s登记为 %s，但内容不是任何可接受的格式：%s", kindName(r.kind), r.declared, res.openErr)
	case res.sniffed != r.declared:
		add(ItemMetadataContent, "%s登记为 %s，但内容是 %s", kindName(r.kind), r.declared, res.sniffed)
		add(ItemFormatUsable, "%s不能按登记的格式 %s 打开（内容是 %s）", kindName(r.kind), r.declared, res.sniffed)
	case res.openErr != "":
		add(ItemFormatUsable, "%s不能按 %s 格式打开：%s", kindName(r.kind), r.declared, res.openErr)
	case res.openWarn != "":
		v.col.add(archive.Problem{CaseID: r.caseID, Object: b.key, Item: ItemFormatUsable, Severity: ResultWarn, Detail: res.openWarn})
	}
}

// checkNumbers checks the 档号 pointers and 件号 claims against the
// archived cases.
func (v *verifier) checkNumbers(ctx context.Context, pointers, claims []archive.ObjectInfo) error {
	type seqKey struct {
		fonds, retention string
		year             int
	}
	add := func(caseID, key, item, format string, args ...any) {
		v.col.add(archive.Problem{CaseID: caseID, Object: key, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	byNo := map[string][]string{}        // 档号 → case ids
	items := map[seqKey]map[int]string{} // → 件号 → case id
	for _, cs := range v.cases {
		if cs.c == nil || cs.c.Archive == nil {
			continue
		}
		rec := cs.c.Archive
		byNo[rec.ArchiveNo] = append(byNo[rec.ArchiveNo], cs.id)
		k := seqKey{rec.Fonds, rec.Retention, rec.Year}
		if items[k] == nil {
			items[k] = map[int]string{}
		}
		if other, dup := items[k][rec.Item]; dup {
			add(cs.id, rec.ManifestKey, ItemItemNumbers, "%[2]s/%[3]d/%[4]s 的件号 %[1]d 也分给了案件 %[5]s：件号重复", rec.Item, rec.Fonds, rec.Year, rec.Retention, other)
		}
		items[k][rec.Item] = cs.id
	}
	for no, ids := range byNo {
		sort.Strings(ids)
		for _, id := range ids[1:] {
			add(id, archive.ArchivePointer(no), ItemArchiveNo, "档号 %s 也分给了案件 %s：档号重复", no, ids[0])
		}
	}
	// Pointers: each names a case holding that 档号.
	v.col.count(ItemArchiveNo, len(pointers))
	seen := map[string]bool{}
	for _, p := range pointers {
		seen[p.Key] = true
		data, err := archive.ReadAll(ctx, v.store, p.Key)
		if archive.IsCode(err, archive.ENOTFOUND) {
			continue
		}
		if err != nil {
			return err
		}
		v.objects++
		v.bytes += int64(len(data))
		var ptr struct {
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal(data, &ptr); err != nil || ptr.CaseID == "" {
			add("", p.Key, ItemRecordsParse, "档号指针不是指明案件的有效 JSON，无法解析")
			continue
		}
		v.col.count(ItemRecordsParse, 1)
		cs := v.cases[ptr.CaseID]
		switch {
		case cs == nil:
			add(ptr.CaseID, p.Key, ItemArchiveNo, "档号指针指向案件 %s，但该案件不存在", ptr.CaseID)
		case cs.c == nil:
		case cs.c.Archive == nil:
			add(ptr.CaseID, p.Key, ItemArchiveNo, "档号指针指向案件 %s，但该案件未归档", ptr.CaseID)
		case archive.ArchivePointer(cs.c.Archive.ArchiveNo) != p.Key:
			add(ptr.CaseID, p.Key, ItemArchiveNo, "档号指针指向案件 %s，但该案件的档号是 %s", ptr.CaseID, cs.c.Archive.ArchiveNo)
		}
	}
	for no, ids := range byNo {
		if !seen[archive.ArchivePointer(no)] {
			add(ids[0], archive.ArchivePointer(no), ItemArchiveNo, "档号 %s 没有档号指针", no)
		}
	}
	// Claims: 1..n without gaps, each with its archived case.
	claimed := map[seqKey][]int{}
	claimKey := map[seqKey]map[int]string{}
	v.col.count(ItemItemNumbers, len(claims))
	for _, oi := range claims {
		parts := strings.Split(strings.TrimPrefix(oi.Key, archive.ArchiveNumberPrefix), "/")
		var year, n int
		var err1, err2 error
		if len(parts) == 4 {
			year, err1 = strconv.Atoi(parts[1])
			n, err2 = strconv.Atoi(parts[3])
		}
		if len(parts) != 4 || err1 != nil || err2 != nil || n <= 0 {
			v.col.add(archive.Problem{Object: oi.Key, Item: ItemStrayObjects, Severity: ResultWarn, Detail: "件号登记中有一个不是件号登记的对象：不影响档案，请核实它从何而来"})
			continue
		}
		k := seqKey{parts[0], parts[2], year}
		claimed[k] = append(claimed[k], n)
		if claimKey[k] == nil {
			claimKey[k] = map[int]string{}
		}
		claimKey[k][n] = oi.Key
	}
	for k, ns := range claimed {
		sort.Ints(ns)
		prev := 0
		for _, n := range ns {
			if n > prev+1 {
				gap := fmt.Sprintf("件号 %d", prev+1)
				if n-1 > prev+1 {
					gap = fmt.Sprintf("件号 %d 至 %d", prev+1, n-1)
				}
				add("", claimKey[k][n], ItemItemNumbers, "%[2]s/%[3]d/%[4]s 中此件号之前缺少%[1]s：件号不连续", gap, k.fonds, k.year, k.retention)
			}
			prev = n
			if _, ok := items[k][n]; ok {
				continue
			}
			// Claimed but not archived: a process died between claim and
			// event, or the case's record is damaged.
			owner := ""
			if data, err := archive.ReadAll(ctx, v.store, claimKey[k][n]); err == nil {
				var cl struct {
					CaseID string `json:"case_id"`
				}
				json.Unmarshal(data, &cl)
				owner = cl.CaseID
			}
			hint := ""
			if cs := v.cases[owner]; cs != nil && cs.claimNote && (cs.c == nil || cs.c.Archive == nil) {
				hint = "：该案件的归档在取号之后、写入归档事件之前中断了；重新归档该案件即可沿用此件号继续"
			}
			add(owner, claimKey[k][n], ItemItemNumbers, "%[2]s/%[3]d/%[4]s 的件号 %[1]d 已被取号（案件 %[5]q），但没有已归档案件使用它%[6]s", n, k.fonds, k.year, k.retention, owner, hint)
		}
	}
	for k, m := range items {
		for n, id := range m {
			if _, ok := claimKey[k][n]; !ok {
				add(id, fmt.Sprintf("%s%s/%d/%s/%08d", archive.ArchiveNumberPrefix, k.fonds, k.year, k.retention, n), ItemItemNumbers, "%[2]s/%[3]d/%[4]s 的件号 %[1]d 被已归档案件使用，却没有取号登记", n, k.fonds, k.year, k.retention)
			}
		}
	}
	return nil
}

// checkStrays warns of blobs no case refers to.
func (v *verifier) checkStrays() {
	used := map[string]bool{}
	for _, cs := range v.cases {
		if cs.c == nil {
			continue
		}
		for _, m := range cs.c.Materials {
			used[archive.BlobKey(m.SHA256)] = true
		}
		for _, n := range cs.c.Notices {
			used[archive.BlobKey(n.SHA256)] = true
		}
	}
	for key := range v.blobs {
		used[key] = true
	}
	for _, key := range v.payBlobs {
		used[key] = true
	}
	v.col.count(ItemStrayObjects, len(v.listed))
	for key := range v.listed {
		if !used[key] {
			v.col.add(archive.Problem{Object: key, Item: ItemStrayObjects, Severity: ResultWarn, Detail: "有一个文件不属于任何案件的材料或通知书：不影响档案，可能是上传中断留下的，可核实后清理"})
		}
	}
}

// checkWORM asks the store whether it keeps objects write-once.
func (v *verifier) checkWORM(ctx context.Context) *archive.WORMStatus {
	v.col.count(ItemWORM, 1)
	r, ok := v.store.(archive.Retainer)
	if !ok {
		st := &archive.WORMStatus{Detail: "内置存储（本机目录）不能防篡改保存（WORM）：系统不会修改或删除保管期内的档案，本检测也能发现改动，但能直接访问该目录的人仍可改动或删除档案文件。需要防篡改保存时，请改用开启对象锁定（Object Lock）的 S3 存储"}
		v.col.add(archive.Problem{Object: "store", Item: ItemWORM, Severity: ResultWarn, Detail: st.Detail})
		return st
	}
	st, err := r.WORM(ctx)
	if err != nil {
		v.col.add(archive.Problem{Object: "store", Item: ItemWORM, Severity: ResultWarn, Detail: "未能查明存储是否防篡改保存（WORM）：" + zh.Message(err)})
		return &archive.WORMStatus{Detail: archive.ErrorMessage(err)}
	}
	if !st.Enabled {
		d := "存储桶未开启对象锁定（Object Lock），不能防篡改保存（WORM）：能直接访问存储的人仍可改动或删除档案文件，本检测能发现改动，但不能阻止"
		if st.Detail != "" {
			d += "（" + st.Detail + "）"
		}
		v.col.add(archive.Problem{Object: "store", Item: ItemWORM, Severity: ResultWarn, Detail: d})
	} else {
		v.col.notes[ItemWORM] = "对象锁定 " + st.Mode
	}
	return &st
}

// finish fills the problems' case numbers and 档号 and builds the
// per-property items.
func (v *verifier) finish(rep *FixityReport) {
	ps := v.col.problems
	for i := range ps {
		if cs := v.cases[ps[i].CaseID]; cs != nil && cs.c != nil {
			ps[i].CaseNumber = cs.c.Number
			if cs.c.Archive != nil {
				ps[i].ArchiveNo = cs.c.Archive.ArchiveNo
			}
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Object != ps[j].Object {
			return ps[i].Object < ps[j].Object
		}
		return ps[i].Item < ps[j].Item
	})
	rep.Problems, rep.Warnings = []archive.Problem{}, []archive.Problem{}
	for _, p := range ps {
		if p.Severity == ResultWarn {
			rep.Warnings = append(rep.Warnings, p)
		} else {
			rep.Problems = append(rep.Problems, p)
		}
	}
	byItem := map[string][]archive.Problem{}
	for _, p := range ps {
		byItem[p.Item] = append(byItem[p.Item], p)
	}
	rep.Result = ResultPass
	for _, prop := range []string{PropAuthenticity, PropIntegrity, PropUsability, PropSecurity} {
		fp := FixityProperty{ID: prop, Name: propertyNames[prop], Result: ResultPass}
		for _, d := range fixityItems {
			if d.prop != prop {
				continue
			}
			it := FixityItem{ID: d.id, Name: d.name, Description: d.desc, Result: ResultPass, Checked: v.col.checked[d.id],
				Note: v.col.notes[d.id], Failures: byItem[d.id]}
			if it.Failures == nil {
				it.Failures = []archive.Problem{}
			}
			for _, p := range it.Failures {
				if p.Severity == ResultWarn {
					it.Warnings++
				} else {
					it.Failed++
				}
			}
			if it.Failed > 0 {
				it.Result = ResultFail
			} else if it.Warnings > 0 {
				it.Result = ResultWarn
			}
			fp.Result = worse(fp.Result, it.Result)
			fp.Items = append(fp.Items, it)
		}
		rep.Result = worse(rep.Result, fp.Result)
		rep.Properties = append(rep.Properties, fp)
	}
	rep.FinishedAt = archive.SystemClock().UTC()
}

func worse(a, b string) string {
	rank := map[string]int{ResultPass: 0, ResultWarn: 1, ResultFail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// blobReader reads and hashes blobs, reading the next chunk of a blob
// while the last one is hashed, and keeps the head and tail of each for
// the format checks without a second read.
type blobReader struct {
	bufs [3][]byte
}

const (
	blobChunk = 1 << 20   // read size; also the least tail kept
	blobHead  = 256 << 10 // head kept for the format checks
)

func newBlobReader() *blobReader {
	r := &blobReader{}
	for i := range r.bufs {
		r.bufs[i] = make([]byte, blobChunk)
	}
	return r
}

type blobChunkRead struct {
	b   []byte
	err error
}

// check reads one blob: its size and SHA-256, the format its bytes show
// and whether it opens as that format. Errors only when the store fails.
func (r *blobReader) check(ctx context.Context, store archive.ObjectStore, key string) (blobResult, int64, error) {
	rc, _, err := store.Get(ctx, key)
	if archive.IsCode(err, archive.ENOTFOUND) {
		return blobResult{missing: true}, 0, nil
	}
	if err != nil {
		return blobResult{}, 0, err
	}
	defer rc.Close()
	// Three buffers: one being read, one being hashed, and the one
	// before it, kept as the tail until the next arrives. The reader
	// stops after the chunk that ends the blob (or fails), so it never
	// outlives check.
	free := make(chan []byte, len(r.bufs))
	for _, b := range r.bufs {
		free <- b
	}
	full := make(chan blobChunkRead, len(r.bufs))
	go func() {
		for b := range free {
			n, err := io.ReadFull(rc, b)
			full <- blobChunkRead{b[:n], err}
			if err != nil {
				return
			}
		}
	}()
	h := sha256.New()
	var total int64
	var head, prev, last []byte
	for c := range full {
		h.Write(c.b)
		if total == 0 {
			head = c.b
			if c.err == nil {
				// The buffer is reused: keep what the format checks need
				// of the head.
				head = append([]byte(nil), c.b[:blobHead]...)
			}
		}
		total += int64(len(c.b))
		if c.err == io.EOF || c.err == io.ErrUnexpectedEOF {
			last = c.b
			break
		}
		if c.err != nil {
			return blobResult{}, 0, archive.E("archive.Verify", archive.EUNAVAILABLE, c.err)
		}
		if prev != nil {
			free <- prev[:cap(prev)]
		}
		prev = c.b
	}
	res := blobResult{size: total, sum: hex.EncodeToString(h.Sum(nil))}
	tail := last
	switch {
	case prev == nil:
	case len(last) == 0:
		tail = prev
	default:
		tail = append(append(make([]byte, 0, len(prev)+len(last)), prev...), last...)
	}
	res.sniffed, res.openErr, res.openWarn = checkFormat(head, tail, total)
	return res, total, nil
}

// checkHoldActs checks every audited placing and lifting of a legal hold
// against the case's events. The event is written before its audit entry,
// so an audited hold the events do not show was removed from the store:
// deleting the last event of a case leaves its chain valid, and a hold
// deleted that way would let the record be disposed of.
func (v *verifier) checkHoldActs(acts []audit.AuditHoldAct) {
	for _, act := range acts {
		cs := v.cases[act.CaseID]
		what := "设置"
		if act.Lift {
			what = "解除"
		}
		var hold *archive.Hold
		if cs != nil && cs.c != nil {
			for i := range cs.c.Holds {
				if cs.c.Holds[i].ID == act.HoldID {
					hold = &cs.c.Holds[i]
				}
			}
		}
		switch {
		case hold == nil:
			v.col.add(archive.Problem{CaseID: act.CaseID, Object: archive.CasePrefix + act.CaseID + "/events/", Item: ItemHolds,
				Detail: fmt.Sprintf("审计日志第 %d 条记录（%s）记有%s法律保全 %s，但案件的事件中没有这项保全：其事件已被删除", act.Seq, act.Object, what, act.HoldID)})
		case act.Lift && hold.LiftedAt == nil:
			v.col.add(archive.Problem{CaseID: act.CaseID, Object: archive.CasePrefix + act.CaseID + "/events/", Item: ItemHolds,
				Detail: fmt.Sprintf("审计日志第 %d 条记录（%s）记有解除法律保全 %s，但案件的事件中该保全仍有效：解除保全的事件已被删除", act.Seq, act.Object, act.HoldID)})
		}
	}
}

// loanStepNames are the audited loan steps in Chinese.
var loanStepNames = map[string]string{
	"request": "申请", archive.LoanApprove: "批准", archive.LoanReject: "驳回", archive.LoanReturn: "归还", archive.LoanCancel: "撤回",
}

// kindName is a manifest object kind (event, material, notice) in
// Chinese.
func kindName(kind string) string {
	switch kind {
	case "event":
		return "事件"
	case "material":
		return "材料"
	case "notice":
		return "通知书"
	}
	return kind + " "
}

// noticeKindName is a notice kind in Chinese, as the notice is titled.
func noticeKindName(kind string) string {
	switch kind {
	case archive.NoticeAcceptance:
		return "受理"
	case archive.NoticeCorrection:
		return "补正材料"
	case archive.NoticeNonAcceptance:
		return "不予受理"
	case archive.NoticeResult:
		return "审核结果"
	}
	return " " + kind + " "
}

// auditProblemText is a problem of the audit log's chain as the fixity
// report shows it.
func auditProblemText(p audit.AuditProblem) string {
	if p.Seq > 0 {
		return fmt.Sprintf("审计日志第 %d 条记录：%s", p.Seq, p.Problem)
	}
	return "审计日志段：" + p.Problem
}

// loanStepReached lists, per audited loan step, the statuses a loan can
// have once that step was taken (an approved loan may be returned since).
var loanStepReached = map[string][]string{
	"request":           {archive.LoanRequested, archive.LoanApproved, archive.LoanRejected, archive.LoanReturned, archive.LoanCancelled},
	archive.LoanApprove: {archive.LoanApproved, archive.LoanReturned},
	archive.LoanReject:  {archive.LoanRejected},
	archive.LoanReturn:  {archive.LoanReturned},
	archive.LoanCancel:  {archive.LoanCancelled},
}

// checkLoanActs checks every audited loan step against the case's events,
// as checkHoldActs does for holds.
func (v *verifier) checkLoanActs(acts []audit.AuditLoanAct) {
	for _, act := range acts {
		reached, known := loanStepReached[act.Step]
		if !known {
			continue
		}
		cs := v.cases[act.CaseID]
		status := ""
		if cs != nil && cs.c != nil {
			for _, l := range cs.c.Loans {
				if l.ID == act.LoanID {
					status = l.Status
				}
			}
		}
		if !slices.Contains(reached, status) {
			shown := "案件的事件中没有这项借阅"
			if status != "" {
				shown = "按案件的事件，该借阅为“" + zh.LoanStatus(status) + "”"
			}
			v.col.add(archive.Problem{CaseID: act.CaseID, Object: archive.CasePrefix + act.CaseID + "/events/", Item: ItemEventChain,
				Detail: fmt.Sprintf("审计日志第 %d 条记录（%s）记有借阅 %s 的%s（%s），但%s：其事件已被删除", act.Seq, act.Object, act.LoanID, loanStepNames[act.Step], act.Step, shown)})
		}
	}
}

// checkEventsAudited checks every case event against the audit entry that
// vouches for it (archive.EventAuditEntry), which the append path writes
// right after the event, or reconciliation writes late: an event without
// one was stored while the log could not be written and not yet
// reconciled, or its entry is gone; an event whose bytes no longer hash to
// what its entry recorded was changed; an entry whose event is missing
// names an event that was removed (its chain, cut at the end, is still
// valid). Events of an imported case written before its import are
// vouched for by the import's entry. The events were read before the log,
// so an event appended during the check is only in the log, and is looked
// up before it is called removed.
func (v *verifier) checkEventsAudited(ctx context.Context, log audit.AuditReport) error {
	seen := map[string]bool{}
	for _, cs := range v.cases {
		for key, es := range cs.hashes {
			seen[key] = true
			v.col.count(ItemEventsAudited, 1)
			_, seq, _ := archive.ParseEventKey(key)
			ref, ok := log.Events[key]
			switch {
			case ok && ref.SHA256 != es.sum:
				v.col.add(archive.Problem{CaseID: cs.id, Object: key, Item: ItemEventsAudited, Detail: fmt.Sprintf(
					"事件 %d 在审计日志第 %d 条记录（%s）记录之后被改动过：其内容的哈希为 %s，记录的是 %s", seq, ref.Seq, ref.Object, es.sum, ref.SHA256)})
			case ok:
			case !es.at.IsZero() && audit.Imported(log, archive.Event{CaseID: cs.id, At: es.at}):
			default:
				v.col.add(archive.Problem{CaseID: cs.id, Object: key, Item: ItemEventsAudited, Detail: fmt.Sprintf(
					"事件 %d 没有审计记录：它是在审计日志无法写入时保存的，记录尚未补写（dossier serve 启动时会补写），或者记录已被删除", seq)})
			}
		}
	}
	keys := make([]string, 0, len(log.Events))
	for key := range log.Events {
		if !seen[key] {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		id, seq, _ := archive.ParseEventKey(key)
		if cs := v.cases[id]; cs != nil && len(cs.hashes) < len(cs.events) {
			continue // listed but unreadable: reported with the case
		}
		_, err := v.store.Stat(ctx, key)
		if archive.IsCode(err, archive.ENOTFOUND) {
			ref := log.Events[key]
			v.col.add(archive.Problem{CaseID: id, Object: key, Item: ItemEventsAudited, Detail: fmt.Sprintf(
				"审计日志第 %d 条记录（%s）记有事件 %d，但该事件缺失：事件已被删除", ref.Seq, ref.Object, seq)})
			continue
		}
		if err != nil && !archive.IsCode(err, archive.EINVALID) {
			return err
		}
	}
	return nil
}
