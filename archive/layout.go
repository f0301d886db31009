package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The record layout: every object dossier writes to the store, built and
// recognised here and nowhere else. The store holds nothing else; fixity
// calls anything that matches no entry a stray object, and README's
// storage section lists Layout (a test keeps the two equal).

// Key prefixes. Each kind of object lives under one.
const (
	BlobPrefix           = "blobs/sha256/"
	CasePrefix           = "cases/"
	CaseNumberPrefix     = "numbers/"
	VerifyPrefix         = "notices/verify/"
	ArchivePointerPrefix = "archives/"
	ArchiveNumberPrefix  = "archive-numbers/"
	UserPrefix           = "users/"
	UserNamePrefix       = "usernames/"
	TokenPrefix          = "tokens/"
	AuditPrefix          = "audit/"
	DisposalPrefix       = "disposals/"
	FixityReportPrefix   = "reports/fixity/"
	HandoverPrefix       = "handovers/"
	// ExecutionPrefix holds each case's execution (办理与执行) stream,
	// PaymentItemPrefix each payment item's claims, PaymentBatchPrefix
	// each payment batch's stream.
	ExecutionPrefix    = "executions/"
	PaymentItemPrefix  = "payments/items/"
	PaymentBatchPrefix = "payments/batches/"
	// PaymentSettledPrefix marks the batches that take nothing more and
	// whose payment result notices are all issued.
	PaymentSettledPrefix = "payments/settled/"
	SavedSearchPrefix    = "saved-searches/"
)

// KeyKind is one kind of object in the store.
type KeyKind struct {
	// Pattern is the key's shape as README shows it.
	Pattern string
	// What the object is.
	What string
	re   *regexp.Regexp
}

// Layout lists every kind of object, in README order.
var Layout = []KeyKind{
	{"blobs/sha256/<hex>", "material and notice contents, content-addressed, written once", regexp.MustCompile(`^blobs/sha256/[0-9a-f]{64}$`)},
	{"cases/<case-id>/events/<seq>.json", "a case's immutable, hash-chained events (the case is their fold)", regexp.MustCompile(`^cases/[a-z0-9]{1,64}/events/[0-9]{10}\.json$`)},
	{"cases/<case-id>/manifest-<件号>.json", "the archival package manifest: every object of the case with its SHA-256 and size", regexp.MustCompile(`^cases/[a-z0-9]{1,64}/manifest-[0-9]+\.json$`)},
	{"cases/<case-id>/archive-claim.json", "the case's note of the 件号 it claimed, so an interrupted archiving resumes with it", regexp.MustCompile(`^cases/[a-z0-9]{1,64}/archive-claim\.json$`)},
	{"numbers/<year>/<n>", "claims of case numbers (SB<year>-<n>)", regexp.MustCompile(`^numbers/[0-9]{4}/[0-9]{10}$`)},
	{"notices/verify/<code>", "a notice's verification code, pointing at its case and notice", regexp.MustCompile(`^notices/verify/[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`)},
	{"archives/<档号>", "points a 档号 (· written as .) at its case", regexp.MustCompile(`^archives/[A-Z0-9]{4}-[A-Z]{2}\.[0-9]{4}-(Y|D10|D30|D50|D100)-([A-Z]{2}-)?[0-9]{4,}$`)},
	{"archive-numbers/<fonds>/<year>/<retention>/<件号>", "claims a 件号, gap-free per fonds, year and retention", regexp.MustCompile(`^archive-numbers/[A-Z0-9]{4}/[0-9]{4}/(Y|D10|D30|D50|D100)/[0-9]{8}$`)},
	{"users/<user-id>/events/<seq>.json", "a user's events: creation, roles, password hash, token hashes, disabling", regexp.MustCompile(`^users/[a-z0-9]{1,64}/events/[0-9]{10}\.json$`)},
	{"usernames/<folded name>", "claims a login name for one user id", regexp.MustCompile(`^usernames/([a-z0-9_-]|%[0-9A-F]{2})+$|^usernames/sha256-[0-9a-f]{64}$`)},
	{"tokens/<sha256>", "points a bearer token's hash at its user (tokens are never stored)", regexp.MustCompile(`^tokens/[0-9a-f]{64}$`)},
	{"audit/<seq>.json", "a segment of the hash-chained audit log", regexp.MustCompile(`^audit/[0-9]{12}\.json$`)},
	{"disposals/<id>/events/<seq>.json", "a disposal's hash-chained record, kept permanently", regexp.MustCompile(`^disposals/[a-z0-9]{20}/events/[0-9]{10}\.json$`)},
	{"handovers/<id>/events/<seq>.json", "a handover's (交接) hash-chained record: who handed which cases to whom, and the acknowledgement", regexp.MustCompile(`^handovers/[a-z0-9]{20}/events/[0-9]{10}\.json$`)},
	{"reports/fixity/<start time>.json", "a stored four-properties check report", regexp.MustCompile(`^reports/fixity/[0-9]{8}T[0-9]{6}\.[0-9]{9}Z(-[0-9]+)?\.json$`)},
	{"executions/<case-id>/events/<seq>.json", "a case's execution (办理与执行): recorded, checked (复核), account changes", regexp.MustCompile(`^executions/[a-z0-9]{1,64}/events/[0-9]{10}\.json$`)},
	{"payments/items/<case-id>-<period>/events/<seq>.json", "claims of one payment item (a case's instalment) by batches: one key per case and period", regexp.MustCompile(`^payments/items/[a-z0-9]{1,64}-(once|[0-9]{6})/events/[0-9]{10}\.json$`)},
	{"payments/batches/<id>/events/<seq>.json", "a payment batch: its items, check, approval, bank file and bank returns", regexp.MustCompile(`^payments/batches/[a-z0-9]{20}/events/[0-9]{10}\.json$`)},
	{"payments/settled/<id>", "a note that a payment batch takes nothing more and every payment result notice its return files owe is issued: the periodic pass no longer reads it", regexp.MustCompile(`^payments/settled/[a-z0-9]{20}$`)},
	{"saved-searches/<user-id>/<id>.json", "a person's saved search (常用查询): a name and a list's query, read by its owner only", regexp.MustCompile(`^saved-searches/[a-z0-9]{1,64}/[a-z0-9]{20}\.json$`)},
	{"journal/<unix ns>-<writer>.json", "what one server's process created or removed in a few milliseconds, for the other servers to follow (kept an hour)", regexp.MustCompile(`^journal/[0-9]{20}-[0-9a-f]{12}\.json$`)},
	{"sessions/<sha256 of id>/session.json", "a signed-in web session (who, its CSRF token, when it began), shared by every server; removed at sign-out", regexp.MustCompile(`^sessions/[0-9a-f]{64}/session\.json$`)},
	{"sessions/<sha256 of id>/seen-<slot>", "a mark that the session was used in a five-minute slot (its idle limit, on any server)", regexp.MustCompile(`^sessions/[0-9a-f]{64}/seen-[0-9]{12}$`)},
	{"config/session-key", "the key of the sign-in forms' CSRF tokens, made by the first server that needs it", regexp.MustCompile(`^config/session-key$`)},
	{"login-attempts/<sha256 of key>/<unix ns>-<random>", "a sign-in attempt counted against an address, a name or a case number, for five minutes", regexp.MustCompile(`^login-attempts/[0-9a-f]{32}/[0-9]{20}-[0-9a-f]{16}$`)},
	{"locks/blobs/<hex>", "a lease while an upload attaches or a disposal deletes one content (lapses after 30 s)", regexp.MustCompile(`^locks/blobs/[0-9a-f]{64}$`)},
	{"attached/<hex>/<unix ns>", "a mark that an upload attached the content then, so that another server's disposal keeps it", regexp.MustCompile(`^attached/[0-9a-f]{64}/[0-9]{20}$`)},
}

// ExecutionEventKey is the key of event seq of case caseID's execution.
func ExecutionEventKey(caseID string, seq uint64) string {
	return streamEventKey(ExecutionPrefix, caseID, seq)
}

// PaymentItemEventKey is the key of event seq of payment item id
// (<case-id>-<period>).
func PaymentItemEventKey(id string, seq uint64) string {
	return streamEventKey(PaymentItemPrefix, id, seq)
}

// PaymentBatchEventKey is the key of event seq of payment batch id.
func PaymentBatchEventKey(id string, seq uint64) string {
	return streamEventKey(PaymentBatchPrefix, id, seq)
}

// PaymentSettledKey is the key of payment batch id's settled marker.
func PaymentSettledKey(id string) string { return PaymentSettledPrefix + id }

// DescribeKey returns the kind of object key is; ok is false for a key
// dossier never writes.
func DescribeKey(key string) (KeyKind, bool) {
	for _, k := range Layout {
		if k.re.MatchString(key) {
			return k, true
		}
	}
	return KeyKind{}, false
}

// BlobKey returns the key of the blob with the given hex SHA-256.
func BlobKey(sum string) string { return BlobPrefix + sum }

// streamEventKey is the key of event seq of stream id under prefix. The
// zero padding makes key order equal event order.
func streamEventKey(prefix, id string, seq uint64) string {
	return fmt.Sprintf("%s%s/events/%010d.json", prefix, id, seq)
}

// parseStreamEventKey splits a key made by streamEventKey; ok is false for
// any other key.
func parseStreamEventKey(prefix, key string) (id string, seq uint64, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found {
		return "", 0, false
	}
	id, name, found := strings.Cut(rest, "/events/")
	if !found || id == "" || strings.Contains(id, "/") || len(name) != 15 || name[10:] != ".json" {
		return "", 0, false
	}
	for _, ch := range name[:10] {
		if ch < '0' || ch > '9' {
			return "", 0, false
		}
		seq = seq*10 + uint64(ch-'0')
	}
	return id, seq, seq > 0
}

// EventKey is the object key of event seq of a case.
func EventKey(caseID string, seq uint64) string { return streamEventKey(CasePrefix, caseID, seq) }

// ParseEventKey splits a case event key; ok is false for any other key.
func ParseEventKey(key string) (caseID string, seq uint64, ok bool) {
	return parseStreamEventKey(CasePrefix, key)
}

// ManifestKey is the key of the archival package manifest of a case
// archived with 件号 item.
func ManifestKey(caseID string, item int) string {
	return fmt.Sprintf("%s%s/manifest-%d.json", CasePrefix, caseID, item)
}

// CaseClaimNoteKey is the case's note of the 件号 it claimed.
func CaseClaimNoteKey(caseID string) string { return CasePrefix + caseID + "/archive-claim.json" }

// CaseNumberYearPrefix is where the case number claims of a year live.
func CaseNumberYearPrefix(year int) string { return fmt.Sprintf("%s%d/", CaseNumberPrefix, year) }

// CaseNumberKey claims case number n of a year.
func CaseNumberKey(year int, n uint64) string {
	return fmt.Sprintf("%s%010d", CaseNumberYearPrefix(year), n)
}

// VerifyKey is the pointer of a notice's verification code.
func VerifyKey(code string) string { return VerifyPrefix + code }

// ArchiveKeyName spells a 档号 with safe key characters: "·" is not one,
// so it becomes ".".
func ArchiveKeyName(no string) string { return strings.ReplaceAll(no, "·", ".") }

// ArchivePointer is the key that finds a case by its 档号.
func ArchivePointer(no string) string { return ArchivePointerPrefix + ArchiveKeyName(no) }

// ArchiveItemPrefix is where the 件号 claims of a fonds, year and
// retention live.
func ArchiveItemPrefix(fonds string, year int, retention string) string {
	return fmt.Sprintf("%s%s/%d/%s/", ArchiveNumberPrefix, fonds, year, retention)
}

// ItemClaimKey is the object that claims a 件号.
func ItemClaimKey(fonds string, year int, retention string, item int) string {
	return fmt.Sprintf("%s%08d", ArchiveItemPrefix(fonds, year, retention), item)
}

// UserEventKey is the object key of event seq of a user.
func UserEventKey(id string, seq uint64) string { return streamEventKey(UserPrefix, id, seq) }

// ParseUserEventKey splits a user event key; ok is false for any other.
func ParseUserEventKey(key string) (id string, seq uint64, ok bool) {
	return parseStreamEventKey(UserPrefix, key)
}

// UserNameKey is the claim of a login name, given folded (lower case).
// Object keys are ASCII, so everything but lowercase letters, digits, '_'
// and '-' is percent-encoded ('.' too, so that no name becomes a "." or
// ".." segment). A name too long for that (over about 30 Chinese
// characters) is claimed as sha256-<hex of the folded name> instead: 71
// characters of [a-z0-9-], which no name of at most 64 characters is
// spelled as.
func UserNameKey(folded string) string {
	var b strings.Builder
	for _, c := range []byte(folded) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > 256 {
		sum := sha256.Sum256([]byte(folded))
		return UserNamePrefix + "sha256-" + hex.EncodeToString(sum[:])
	}
	return UserNamePrefix + b.String()
}

// TokenKey points a token's hex SHA-256 at its user.
func TokenKey(sum string) string { return TokenPrefix + sum }

// AuditSegmentKey is the key of audit segment seq. The zero padding makes
// key order numeric order, which finding the tail and verifying rely on.
func AuditSegmentKey(seq int64) string { return fmt.Sprintf("%s%012d.json", AuditPrefix, seq) }

// ParseAuditSegmentKey is the inverse of AuditSegmentKey; ok is false for
// any other key.
func ParseAuditSegmentKey(key string) (seq int64, ok bool) {
	name, found := strings.CutPrefix(key, AuditPrefix)
	if !found || len(name) != 17 || name[12:] != ".json" {
		return 0, false
	}
	for _, c := range name[:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	seq, err := strconv.ParseInt(name[:12], 10, 64)
	return seq, err == nil && seq > 0
}

// HandoverEventKey is the object key of event seq of a handover.
func HandoverEventKey(id string, seq uint64) string { return streamEventKey(HandoverPrefix, id, seq) }

// DisposalEventKey is the object key of event seq of a disposal.
func DisposalEventKey(id string, seq uint64) string { return streamEventKey(DisposalPrefix, id, seq) }

// FixityReportKey is the key of a stored four-properties report that
// started at stamp (UTC, 20060102T150405.000000000Z); n > 1 tells apart
// reports that started at the same instant.
func FixityReportKey(stamp string, n int) string {
	if n > 1 {
		return fmt.Sprintf("%s%s-%d.json", FixityReportPrefix, stamp, n)
	}
	return FixityReportPrefix + stamp + ".json"
}

// SavedSearchUserPrefix is where the saved searches of user id live.
func SavedSearchUserPrefix(userID string) string { return SavedSearchPrefix + userID + "/" }

// SavedSearchKey is the key of user id's saved search id.
func SavedSearchKey(userID, id string) string { return SavedSearchUserPrefix(userID) + id + ".json" }

// ParseHandoverEventKey splits a key made by HandoverEventKey; ok is
// false for any other key.
func ParseHandoverEventKey(key string) (id string, seq uint64, ok bool) {
	return parseStreamEventKey(HandoverPrefix, key)
}

// ParseDisposalEventKey splits a key made by DisposalEventKey; ok is
// false for any other key.
func ParseDisposalEventKey(key string) (id string, seq uint64, ok bool) {
	return parseStreamEventKey(DisposalPrefix, key)
}
