package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"dossier/archive"
	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	"dossier/archive/service"
	"dossier/archive/web/kit"
	"dossier/search"
)

const listCases = 100000

// benchLists puts 100,000 generated cases into a BoltDB projection and
// measures what a list page does before it renders: read every case of
// its filter through the Service (ListCases, page by page), filter,
// sort by a column and cut out one page (kit.List). The baseline is a
// raw scan of the same cases in the projection, which only counts them.
func benchLists(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-lists-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	gen := search.GenerateCases(listCases, 1)
	for i := 0; i < len(gen); i += 1000 {
		var cs []*archive.Case
		for _, g := range gen[i:min(i+1000, len(gen))] {
			cs = append(cs, g.Case)
		}
		if err := db.PutCases(ctx, cs...); err != nil {
			return err
		}
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	fmt.Printf("list pages over %d cases: read all of the filter through the Service, filter, sort, page (kit.List)\n", listCases)
	fmt.Printf("%-40s %8s %10s %10s %8s\n", "list", "rows", "p50", "raw scan", "ratio")
	yes := true
	for _, l := range []struct {
		name  string
		actor archive.Actor
		f     archive.CaseFilter
		query string
	}{
		{"待初审, sorted by deadline", archive.Actor{UserID: "bench1", Name: "reviewer", Roles: []string{archive.RoleReviewer}},
			archive.CaseFilter{Status: archive.StatusInitialReview}, "sort=deadline&page=3"},
		{"逾期案件 (every case read), by number", archive.Actor{UserID: "bench2", Name: "auditor", Roles: []string{archive.RoleAuditor}},
			archive.CaseFilter{Overdue: &yes}, "sort=number&dir=desc&business_type=pension_claim"},
	} {
		u := &url.URL{Path: "/", RawQuery: l.query}
		var ours, raw []time.Duration
		rows := 0
		for range 7 {
			start := time.Now()
			list := kit.NewList(u, kit.ListSpec{Sorts: kit.CaseSorts, Filters: kit.CaseFilters, Size: 25})
			var all []*archive.CaseView
			for cursor := ""; ; {
				pg, err := svc.ListCases(ctx, l.actor, list.Narrow(l.f), cursor, 500)
				if err != nil {
					return err
				}
				all = append(all, pg.Cases...)
				if cursor = pg.NextCursor; cursor == "" {
					break
				}
			}
			if all, err = kit.FilterCases(list, all); err != nil {
				return err
			}
			kit.SortCases(list, all)
			kit.PageRows(list, all)
			rows = list.Total
			ours = append(ours, time.Since(start))

			start = time.Now()
			n := 0
			if err := db.ScanCases(ctx, archive.CaseScan{Status: l.f.Status}, func(*archive.Case) bool { n++; return true }); err != nil {
				return err
			}
			raw = append(raw, time.Since(start))
		}
		sort.Slice(ours, func(i, j int) bool { return ours[i] < ours[j] })
		sort.Slice(raw, func(i, j int) bool { return raw[i] < raw[j] })
		fmt.Printf("%-40s %8d %10s %10s %8.2f\n", l.name, rows, pct(ours, 50), pct(raw, 50), raw[len(raw)/2].Seconds()/ours[len(ours)/2].Seconds())
	}
	fmt.Println()
	return nil
}
