package archive

import "time"

// ArchiveRecord is what archiving a decided case records (SPEC §7).
type ArchiveRecord struct {
	ArchiveNo string `json:"archive_no"` // 档号, DA/T 22-2015
	Fonds     string `json:"fonds"`      // 全宗号
	Category  string `json:"category"`   // 门类代码
	Year      int    `json:"year"`       // 年度: the year the record was formed (decided)
	Retention string `json:"retention"`  // 保管期限: Y, D10, D30, D50, D100
	Issue     string `json:"issue"`      // 机构(问题)代码
	Item      int    `json:"item"`       // 件号
	// RetainUntil is the end of the retention period; nil for 永久.
	RetainUntil    *time.Time `json:"retain_until,omitempty"`
	ManifestKey    string     `json:"manifest_key"`
	ManifestSHA256 string     `json:"manifest_sha256"`
	ArchivedAt     time.Time  `json:"archived_at"`
	ArchivedBy     string     `json:"archived_by"`
	CaseID         string     `json:"case_id"`
	// WORM is the write-once protection of the package; absent in records
	// made before dossier knew of it.
	WORM *WORMRecord `json:"worm,omitempty"`
}

// WORMRecord is the write-once protection an archived case was given,
// decided when it was archived.
type WORMRecord struct {
	// Enabled is true when every object of the archival package was put
	// under retention (S3 Object Lock).
	Enabled bool `json:"enabled"`
	// Mode is COMPLIANCE or GOVERNANCE when Enabled.
	Mode string `json:"mode,omitempty"`
	// RetainUntil is when the retention ends: the end of the retention
	// period. Absent for 永久, which is retained permanently.
	RetainUntil *time.Time `json:"retain_until,omitempty"`
	// Detail says why WORM is off.
	Detail string `json:"detail,omitempty"`
}

// ManifestEntry is one object of an archival package.
type ManifestEntry struct {
	Key    string `json:"key"`
	Kind   string `json:"kind"` // event, material, notice
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest lists every object of an archived case with its hash and size;
// fixity checks verify against it.
type Manifest struct {
	CaseID    string          `json:"case_id"`
	ArchiveNo string          `json:"archive_no"`
	CreatedAt time.Time       `json:"created_at"`
	Objects   []ManifestEntry `json:"objects"`
}

// EventArchived closes a case into the archive.
const EventArchived = "archived"
