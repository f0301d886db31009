package archive

// applyHandling folds who handles a case: an assignment, a handover
// (交接) and its acknowledgement or withdrawal. Errors: EINVALID for a
// handover event that does not fit the case's open handover.
func (c *Case) applyHandling(e Event) error {
	switch e.Type {
	case EventAssigned:
		c.Handler = e.Handler
	case EventHandedOver:
		if c.Handover != "" || e.Handover == "" || e.Handler == "" {
			return Errorf(EINVALID, "case %s: event %d hands over a case that is in handover %s already", c.ID, e.Seq, c.Handover)
		}
		c.Handler, c.Handover = e.Handler, e.Handover
	default:
		if c.Handover == "" || c.Handover != e.Handover {
			return Errorf(EINVALID, "case %s: event %d settles handover %s, but the case's open handover is %q", c.ID, e.Seq, e.Handover, c.Handover)
		}
		c.Handover = ""
		if e.Type == EventHandoverWithdrawn {
			c.Handler = e.Handler
		}
	}
	return nil
}
