package casework

import (
	"dossier/archive"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

// maxUploadFiles bounds the files of one upload post (each is bounded by
// the upload limit).
const maxUploadFiles = 20

// uploadResult is what became of one file of an upload post.
type uploadResult struct {
	File     string            `json:"file"`
	Material *archive.Material `json:"material,omitempty"`
	// Error says, in Chinese, why the file was not kept; Status is the
	// HTTP status of that error.
	Error  string `json:"error,omitempty"`
	Status int    `json:"status,omitempty"`
}

// uploadAnswer is the JSON answer of an upload post made by the page's
// script (Accept: application/json): one result per file, in order.
type uploadAnswer struct {
	Results []uploadResult `json:"results"`
}

// caseUpload takes the files of the case page's upload form.
func (s *pages) caseUpload(c *gin.Context) {
	s.takeUploads(c, c.Param("id"), kit.CasePath(c.Param("id")), "")
}

func (s *pages) portalUpload(c *gin.Context) {
	s.takeUploads(c, dhttp.Actor(c).Case, "/portal", "补齐全部材料后请点击“重新提交”。")
}

// takeUploads stores the files of an upload post, each on its own: one
// refused file does not lose the others. The page's script (asking for
// JSON) gets the results, with the status of the first refusal; a form
// posted without the script is redirected back to the case page with
// what was kept, or, when a file was refused, shown the case page with
// every file's result.
func (s *pages) takeUploads(c *gin.Context, caseID, back, hint string) {
	results, ok := s.streamUploads(c, caseID)
	if !ok {
		return
	}
	status := http.StatusOK
	var kept, refused []string
	for _, r := range results {
		if r.Error == "" {
			kept = append(kept, r.File)
			continue
		}
		refused = append(refused, r.File)
		if status == http.StatusOK {
			status = r.Status
		}
	}
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		c.JSON(status, uploadAnswer{Results: results})
		return
	}
	if len(refused) == 0 {
		s.Redirect(c, "已上传 "+strconv.Itoa(len(kept))+" 个文件："+strings.Join(kept, "、")+"。"+hint, back)
		return
	}
	s.showUploadResults(c, caseID, status, results)
}

// showUploadResults shows the case page (staff or portal) with the
// results of an upload post that had a refusal.
func (s *pages) showUploadResults(c *gin.Context, caseID string, status int, results []uploadResult) {
	a := dhttp.Actor(c)
	v, err := s.Svc.GetCase(c.Request.Context(), a, caseID, false)
	if err != nil {
		s.caseFail(c, caseID, err)
		return
	}
	page, title, base := "case", "案件 "+v.Number, kit.CasePath(v.ID)
	if a.Case != "" {
		page, title, base = "portal", "申请人查询", "/portal"
	}
	cv := s.buildCaseView(a, v, base)
	cv.Uploads = results
	s.Render(c, status, page, title, cv)
}

// streamUploads reads a multipart form whose parts come in page order:
// csrf, then material and file parts (each file is of the last material
// named before it; an empty file input is skipped). The token is checked
// before any file is read, and each file goes straight to the Service.
// A refused file is a result; a post that cannot be read or is not from
// the page is answered here, and ok is false.
func (s *pages) streamUploads(c *gin.Context, caseID string) (results []uploadResult, ok bool) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.API.Fail(c, archive.Errorf(archive.EUNSUPPORTED, "send the form as multipart/form-data"))
		return nil, false
	}
	var token, code string
	checked := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			if !checked && !s.CheckToken(c, token) {
				return nil, false
			}
			if len(results) == 0 {
				s.API.Fail(c, archive.Errorf(archive.EINVALID, "choose a file to upload"))
				return nil, false
			}
			return results, true
		}
		if err != nil {
			if len(results) > 0 {
				// What came before the break is kept, and said so.
				results = append(results, refusal("", s.API.UploadError(err)))
				return results, true
			}
			s.API.Fail(c, s.API.UploadError(err))
			return nil, false
		}
		switch part.FormName() {
		case "csrf", "material":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				s.API.Fail(c, s.API.UploadError(err))
				return nil, false
			}
			if part.FormName() == "csrf" {
				token = string(b)
			} else {
				code = strings.TrimSpace(string(b))
			}
		case "file":
			if !checked {
				if !s.CheckToken(c, token) {
					return nil, false
				}
				checked = true
			}
			name := part.FileName()
			switch {
			case name == "":
				// An empty file input of the form.
			case len(results) == maxUploadFiles:
				results = append(results, refusal(name, archive.Errorf(archive.EINVALID, "send at most %d files at once; upload the rest next", maxUploadFiles)))
			case code == "":
				results = append(results, refusal(name, archive.Errorf(archive.EINVALID, "choose which material the file is")))
			default:
				m, err := s.Svc.AddMaterial(c.Request.Context(), dhttp.Actor(c), caseID, code, name, part)
				if err != nil {
					results = append(results, refusal(name, s.API.UploadError(err)))
				} else {
					results = append(results, uploadResult{File: m.Filename, Material: m})
				}
			}
			if len(results) > maxUploadFiles {
				return results, true
			}
		}
		part.Close()
	}
}

// refusal is the result of a file the Service refused with err.
func refusal(file string, err error) uploadResult {
	status, _ := dhttp.Status(err)
	return uploadResult{File: file, Error: zh.Message(err), Status: status}
}
