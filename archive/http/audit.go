package http

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/zh"
)

// auditFilter reads the filter of an audit request: case (number or id),
// actor (user id), person (part of a login or display name), action,
// from and to. Errors: EINVALID naming the parameter; ENOTFOUND for a
// case number no case has.
func (s *Server) auditFilter(c *gin.Context) (audit.AuditFilter, error) {
	f := audit.AuditFilter{Actor: c.Query("actor"), Person: strings.TrimSpace(c.Query("person")), Action: c.Query("action")}
	if ref := strings.TrimSpace(c.Query("case")); ref != "" {
		t, err := s.svc.CaseTarget(c.Request.Context(), ref)
		if err != nil {
			return f, err
		}
		f.Target = t
	}
	return f, queryRange(c, &f.From, &f.To)
}

// audit answers GET /api/v1/audit?case=&actor=&person=&action=&from=&to=.
func (s *Server) audit(c *gin.Context) {
	f, err := s.auditFilter(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	entries, next, err := s.svc.AuditEntries(c.Request.Context(), Actor(c), f, c.Query("cursor"), limit)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "next_cursor": next})
}

// AuditCSVHeader is the header row of the CSV export, one column for each
// field of an entry.
var AuditCSVHeader = []string{"序号", "时间（北京时间）", "操作人", "登录名", "角色", "操作", "操作代码", "对象", "案号", "档号", "详情", "来源地址", "前一条哈希", "哈希"}

// AuditExport answers GET /api/v1/audit/export?format=csv|json and the
// audit page's export: every entry the filter (as GET /api/v1/audit)
// selects that the actor may read, streamed as a download named
// 审计日志.csv (UTF-8 with a byte-order mark, so that Excel reads the
// Chinese) or 审计日志.json (an array of entries as GET /api/v1/audit
// shows them).
func (s *Server) AuditExport(c *gin.Context) {
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "json" {
		s.Fail(c, archive.Errorf(archive.EINVALID, "format: csv or json"))
		return
	}
	f, err := s.auditFilter(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	// Nothing reaches the client before the buffer's first 64 KiB, so a
	// refusal or a bad filter is still answered as an error.
	ctx, a := c.Request.Context(), Actor(c)
	if format == "json" {
		s.stream(c, "application/json; charset=utf-8", "attachment", "审计日志.json", "audit-log", func(w *bufio.Writer) error {
			sep, enc := "[\n", json.NewEncoder(w)
			err := s.svc.ExportAudit(ctx, a, f, func(e audit.Entry) error {
				if _, err := w.WriteString(sep); err != nil {
					return err
				}
				sep = ",\n"
				return enc.Encode(e)
			})
			if err != nil {
				return err
			}
			if sep == "[\n" {
				_, err = w.WriteString("[]\n")
			} else {
				_, err = w.WriteString("]\n")
			}
			return err
		})
		return
	}
	s.stream(c, "text/csv; charset=utf-8", "attachment", "审计日志.csv", "audit-log", func(w *bufio.Writer) error {
		// The byte-order mark tells Excel the file is UTF-8.
		w.WriteString("\uFEFF")
		cw := csv.NewWriter(w)
		cw.Write(AuditCSVHeader)
		err := s.svc.ExportAudit(ctx, a, f, func(e audit.Entry) error { return cw.Write(auditCSVRow(e)) })
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

// auditCSVRow is e as a row under AuditCSVHeader.
func auditCSVRow(e audit.Entry) []string {
	roles := make([]string, len(e.Roles))
	for i, r := range e.Roles {
		roles[i] = zh.Role(r)
	}
	return []string{strconv.FormatInt(e.Seq, 10), e.At.In(archive.Zone).Format("2006-01-02 15:04:05"), e.ActorName, e.Name,
		strings.Join(roles, "、"), e.ActionName, e.Action, e.Target, e.CaseNumber, e.ArchiveNo, e.Detail, e.Remote, e.Prev, e.Hash}
}
