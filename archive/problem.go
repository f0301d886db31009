package archive

// Problem is one failed (or, with Severity warn, doubtful) check, naming
// the case, its 档号 and the object.
type Problem struct {
	CaseID     string `json:"case_id,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
	ArchiveNo  string `json:"archive_no,omitempty"`
	Object     string `json:"object"`
	// Check is the property: authenticity, integrity, usability, security.
	Check string `json:"check"`
	// Item is the check item's id within the property.
	Item string `json:"item,omitempty"`
	// Severity is fail or warn.
	Severity string `json:"severity,omitempty"`
	Detail   string `json:"detail"`
}

// RetainReport is the result of RetainArchives.
type RetainReport struct {
	ArchivedCases int       `json:"archived_cases"`
	Objects       int       `json:"objects"`
	Problems      []Problem `json:"problems"`
}
