package archive

// onLoan reports whether an approved loan of c is not returned yet.
func OnLoan(c *Case) bool {
	for _, l := range c.Loans {
		if l.Status == LoanApproved {
			return true
		}
	}
	return false
}

// disposedContent refuses the contents of a disposed case. Errors:
// ENOTFOUND saying when and by which disposal they were destroyed.
func DisposedContent(c *Case) error {
	if c.Status != StatusDisposed {
		return nil
	}
	return Errorf(ENOTFOUND, "the contents of case %s were destroyed by disposal %s (销毁); its record and manifest are kept", c.Number, c.DisposalID)
}

// retentionEndMatches reports whether an archive record's end of
// retention is the one its year and retention give, so that an edited
// record cannot make a file destroyable early.
func RetentionEndMatches(rec *ArchiveRecord) bool {
	end, err := RetentionEnd(rec.Year, rec.Retention)
	if err != nil || (end == nil) != (rec.RetainUntil == nil) {
		return false
	}
	return end == nil || end.Equal(*rec.RetainUntil)
}
