package payments

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"strings"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/payment"
	"dossier/archive/web/kit"
	"dossier/archive/zh"

	"github.com/gin-gonic/gin"
)

var batchOrder = map[string]func(a, b *payment.Batch) int{
	"created": func(a, b *payment.Batch) int { return a.CreatedAt.Compare(b.CreatedAt) },
	"status":  func(a, b *payment.Batch) int { return strings.Compare(a.Status, b.Status) },
	"total":   func(a, b *payment.Batch) int { return cmp.Compare(a.TotalFen, b.TotalFen) },
	"items":   func(a, b *payment.Batch) int { return cmp.Compare(len(a.Items), len(b.Items)) },
	"creator": func(a, b *payment.Batch) int { return strings.Compare(a.CreatorName, b.CreatorName) },
}

var batchStatuses = []string{payment.BatchChecking, payment.BatchApproving, payment.BatchApproved, payment.BatchCompleted,
	payment.BatchRejected, payment.BatchEmpty}

// counts are a batch's items by the bank's outcome.
type counts struct{ Paid, Failed, Pending int }

func countOf(b *payment.Batch) counts {
	var n counts
	for _, l := range b.Items {
		switch l.Status {
		case payment.ItemPaid:
			n.Paid++
		case payment.ItemFailed:
			n.Failed++
		default:
			n.Pending++
		}
	}
	return n
}

type batchRow struct {
	*payment.Batch
	Counts counts
}

type batchesView struct {
	List     *kit.List
	Batches  []batchRow
	Statuses []kit.Option
	// Create offers 新建批次 (clerks), with what is due now.
	Create   bool
	Due      int
	DueFen   int64
	DueError string
}

// batchesPage lists the payment batches, newest first, filtered by
// status and paged; clerks get the form that collects a new one.
func (s *pages) batchesPage(c *gin.Context) {
	a := dhttp.Actor(c)
	bs, err := s.Svc.Batches(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	l := kit.NewList(c.Request.URL, kit.ListSpec{Sorts: []string{"created", "status", "total", "items", "creator"}, Default: "created", Desc: true, Filters: []string{"status"}})
	v := batchesView{List: l, Create: a.Has(archive.RoleClerk)}
	for _, st := range batchStatuses {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: batchStatusNames.Of(st)})
	}
	var rows []*payment.Batch
	for _, b := range bs {
		if st := l.Filter("status"); st == "" || b.Status == st {
			rows = append(rows, b)
		}
	}
	kit.SortRows(l, rows, batchOrder)
	for _, b := range kit.PageRows(l, rows) {
		v.Batches = append(v.Batches, batchRow{Batch: b, Counts: countOf(b)})
	}
	if v.Create {
		due, err := s.Svc.DueItems(c.Request.Context(), a)
		if err != nil {
			v.DueError = zh.Message(err)
		}
		for _, it := range due {
			v.Due++
			v.DueFen += it.AmountFen
		}
	}
	s.Render(c, http.StatusOK, "batches", "支付批次", v)
}

// batchCreate posts 新建批次: every due item, with an optional note.
func (s *pages) batchCreate(c *gin.Context) {
	b, err := s.Svc.CreateBatch(dhttp.Detached(c), dhttp.Actor(c), payment.NewBatch{Note: c.PostForm("note")})
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := fmt.Sprintf("已汇总 %d 项待支付款项，合计 %s 元，等待财务人员审核。", len(b.Items), Yuan(b.TotalFen))
	if b.Status == payment.BatchEmpty {
		msg = "待支付款项已被其他批次汇总，本批次没有支付项。"
	}
	s.Redirect(c, msg, batchPath(b.ID))
}

var itemOrder = map[string]func(a, b payment.Line) int{
	"case":   func(a, b payment.Line) int { return strings.Compare(a.CaseNumber, b.CaseNumber) },
	"name":   func(a, b payment.Line) int { return strings.Compare(a.Name, b.Name) },
	"period": func(a, b payment.Line) int { return strings.Compare(a.Period, b.Period) },
	"amount": func(a, b payment.Line) int { return cmp.Compare(a.AmountFen, b.AmountFen) },
	"status": func(a, b payment.Line) int { return strings.Compare(a.Status, b.Status) },
}

type batchView struct {
	*payment.Batch
	Path   string
	Counts counts
	List   *kit.List
	Lines  []payment.Line
	// Statuses are the items' statuses to filter by.
	Statuses []kit.Option
	// Check and Approve offer the finance users' decisions at their
	// step; BankFile the download; Upload the return file's upload.
	Check, Approve, BankFile, Upload bool
	// Error is why a decision or a return file was refused.
	Error string
	// CaseLinks links the items to their cases, for those who read
	// cases (finance alone does not).
	CaseLinks bool
}

// showBatch renders batch id; a refused post (err) comes back on it
// with the Service's words and the error's status.
func (s *pages) showBatch(c *gin.Context, id string, refused error) {
	a := dhttp.Actor(c)
	b, err := s.Svc.GetBatch(c.Request.Context(), a, id)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	fin := a.Has(archive.RoleFinance)
	l := kit.NewList(c.Request.URL, kit.ListSpec{Sorts: []string{"case", "name", "period", "amount", "status"}, Filters: []string{"item_status"}})
	v := batchView{Batch: b, Path: batchPath(b.ID), Counts: countOf(b), List: l, CaseLinks: a.HasAny(archive.StaffRoles...),
		Check:    fin && b.Status == payment.BatchChecking,
		Approve:  fin && b.Status == payment.BatchApproving,
		BankFile: fin && (b.Status == payment.BatchApproved || b.Status == payment.BatchCompleted),
		Upload:   fin && b.Status == payment.BatchApproved && b.BankFileSHA256 != ""}
	for _, st := range []string{payment.ItemInBatch, payment.ItemPaid, payment.ItemFailed} {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: itemStatusNames.Of(st)})
	}
	var rows []payment.Line
	for _, it := range b.Items {
		if st := l.Filter("item_status"); st == "" || it.Status == st {
			rows = append(rows, it)
		}
	}
	kit.SortRows(l, rows, itemOrder)
	v.Lines = kit.PageRows(l, rows)
	status := http.StatusOK
	if refused != nil {
		status, _ = dhttp.Status(refused)
		v.Error = zh.Message(refused)
	}
	s.Render(c, status, "batch", "支付批次（"+b.CreatedAt.In(archive.Zone).Format("2006-01-02 15:04")+" 汇总）", v)
}

// batchPage shows one batch.
func (s *pages) batchPage(c *gin.Context) { s.showBatch(c, c.Param("id"), nil) }

// batchDecide posts a finance user's check or approval of a batch. A
// refusal — separation of duties, the wrong step — is shown on the
// batch's page in the Service's words.
func (s *pages) batchDecide(step string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		in := payment.BatchDecision{Decision: c.PostForm("decision"), Opinion: c.PostForm("opinion")}
		b, err := s.Svc.DecideBatch(dhttp.Detached(c), dhttp.Actor(c), id, step, in)
		if err != nil {
			if archive.ErrorCode(err) == archive.ENOTFOUND {
				s.API.Fail(c, err)
				return
			}
			s.showBatch(c, id, err)
			return
		}
		msg := "已审核通过，等待另一位财务人员批准。"
		switch {
		case in.Decision == payment.BatchReject:
			msg = "已驳回本批次，其中的款项重新列入待支付。"
		case step == payment.StepApprove:
			msg = "已批准本批次，可下载银行代发文件。"
		}
		s.Redirect(c, msg, batchPath(b.ID))
	}
}

// bankFile sends the bank file of an approved batch: finance users
// only, the one place accounts show in full.
func (s *pages) bankFile(c *gin.Context) {
	var buf bytes.Buffer
	name, err := s.Svc.BankFile(c.Request.Context(), dhttp.Actor(c), c.Param("id"), &buf)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", dhttp.ContentDisposition("attachment", name, "bank-file-"+c.Param("id")))
	c.Data(http.StatusOK, s.Svc.BankFormat().ContentType(), buf.Bytes())
}

// importReturns posts the bank's return file (multipart: csrf, then
// file). The token is checked before the file is read; a refused file
// comes back on the batch's page with the line the Service names.
func (s *pages) importReturns(c *gin.Context) {
	id := c.Param("id")
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, payment.MaxReturnFile+1<<20)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.API.Fail(c, archive.Errorf(archive.EUNSUPPORTED, "send the return file as multipart/form-data in the field \"file\""))
		return
	}
	token := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			if s.CheckToken(c, token) {
				s.showBatch(c, id, archive.Errorf(archive.EINVALID, "choose the bank's return file to upload"))
			}
			return
		}
		if err != nil {
			s.API.Fail(c, s.API.UploadError(err))
			return
		}
		switch part.FormName() {
		case "csrf":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				s.API.Fail(c, s.API.UploadError(err))
				return
			}
			token = string(b)
		case "file":
			if !s.CheckToken(c, token) {
				return
			}
			if part.FileName() == "" {
				s.showBatch(c, id, archive.Errorf(archive.EINVALID, "choose the bank's return file to upload"))
				return
			}
			b, err := s.Svc.ImportReturns(dhttp.Detached(c), dhttp.Actor(c), id, part)
			if err != nil {
				if archive.ErrorCode(err) == archive.ENOTFOUND {
					s.API.Fail(c, err)
					return
				}
				s.showBatch(c, id, s.API.UploadError(err))
				return
			}
			r := b.Returns[len(b.Returns)-1]
			s.Redirect(c, fmt.Sprintf("已导入回盘文件：支付成功 %d 项（%s 元），失败 %d 项（%s 元）。", r.Paid, Yuan(r.PaidFen), r.Failed, Yuan(r.FailedFen)), batchPath(id))
			return
		}
		part.Close()
	}
}
