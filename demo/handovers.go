package demo

import (
	"context"
	"fmt"

	"dossier/archive"
	"dossier/archive/handover"
	"dossier/archive/service"
)

// handovers gives the oldest case waiting for 初审 a handler (reviewer
// takes it) and has the supervisor hand it to reviewer2 while reviewer is
// on leave; reviewer2 acknowledges, so the case is handled and its
// handover is on record, with nothing left blocked for the first steps.
func (s *seeder) handovers(ctx context.Context, svc *service.Service) error {
	page, err := svc.ListCases(ctx, s.actors["reviewer"], archive.CaseFilter{Status: archive.StatusInitialReview}, "", 500)
	if err != nil {
		return fmt.Errorf("demo: list cases at 初审: %w", err)
	}
	if len(page.Cases) == 0 {
		return nil
	}
	v := page.Cases[len(page.Cases)-1]
	from, to := s.actors["reviewer"], s.actors["reviewer2"]
	if _, err := svc.Assign(ctx, from, v.ID, from.UserID); err != nil {
		return fmt.Errorf("demo: reviewer takes %s: %w", v.Number, err)
	}
	h, err := svc.CreateHandover(ctx, s.actors["supervisor"], handover.NewHandover{From: from.UserID, To: to.UserID,
		Reason: "王强休年假，在办案件交赵磊继续办理", Cases: []string{v.ID}})
	if err != nil {
		return fmt.Errorf("demo: handover of %s: %w", v.Number, err)
	}
	if _, err := svc.Acknowledge(ctx, to, h.ID); err != nil {
		return fmt.Errorf("demo: acknowledge handover of %s: %w", v.Number, err)
	}
	return nil
}
