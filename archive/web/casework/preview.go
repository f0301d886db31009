package casework

import (
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/zh"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

// previewView is the preview page of one material: a PDF's (or TIFF
// scan's) pages as images, loaded as they scroll into view, or an image
// to zoom, with the download beside it.
type previewView struct {
	Base     string // the case page: /cases/<id> or /portal
	Material archive.Material
	// Pages are the page numbers shown, from 1 (preview.MaxPages at
	// most).
	Pages []int
	// Image is a JPEG or PNG the browser shows itself, to zoom.
	Image bool
	// Refusal says why there is no preview: a damaged PDF, a type
	// without one.
	Refusal string
}

// Every picture of a material is read as the material is (Service
// OpenMaterial: its access check and its audit entry, every time) and
// only then taken from the renderer's cache or made; so a thumbnail or a
// page is never a way round a refusal, and each is on the audit log.

func (s *pages) materialThumb(c *gin.Context) {
	s.sendThumb(c, c.Param("id"), c.Param("mid"))
}

func (s *pages) portalThumb(c *gin.Context) {
	s.sendThumb(c, dhttp.Actor(c).Case, c.Param("mid"))
}

func (s *pages) materialPageImage(c *gin.Context) {
	s.sendPage(c, c.Param("id"), c.Param("mid"))
}

func (s *pages) portalPageImage(c *gin.Context) {
	s.sendPage(c, dhttp.Actor(c).Case, c.Param("mid"))
}

func (s *pages) materialView(c *gin.Context) {
	s.showPreview(c, c.Param("id"), c.Param("mid"), "")
}

func (s *pages) portalView(c *gin.Context) {
	s.showPreview(c, dhttp.Actor(c).Case, c.Param("mid"), "/portal")
}

// sendThumb answers the thumbnail (JPEG) of a material.
func (s *pages) sendThumb(c *gin.Context, caseID, mid string) {
	rc, m, err := s.Svc.OpenMaterial(c.Request.Context(), dhttp.Actor(c), caseID, mid)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	defer rc.Close()
	b, err := s.prev.Thumbnail(c.Request.Context(), m.SHA256, m.ContentType, rc)
	switch archive.ErrorCode(err) {
	case "":
		c.Data(http.StatusOK, "image/jpeg", b)
	case archive.EINVALID, archive.EUNSUPPORTED, archive.ETOOLARGE:
		// The file has no picture to show (damaged, too large, a type
		// without preview): a tile says so rather than a broken image.
		c.Header("Cache-Control", "private, max-age=300")
		c.Data(http.StatusOK, "image/svg+xml", noThumbnail(m.ContentType))
	default:
		s.API.Fail(c, err)
	}
}

// noThumbnail is the tile of a material without a picture: the file's
// kind and 无法预览.
func noThumbnail(contentType string) []byte {
	kind := strings.ToUpper(strings.TrimPrefix(contentType[strings.LastIndex(contentType, "/")+1:], "x-"))
	if len(kind) > 6 || kind == "" {
		kind = "文件"
	}
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="88" height="88" viewBox="0 0 88 88" role="img" aria-label="无法预览">` +
		`<rect x="18" y="8" width="52" height="70" rx="4" fill="#f8fafc" stroke="#9aa5b1" stroke-width="2"/>` +
		`<text x="44" y="42" font-family="sans-serif" font-size="13" font-weight="bold" text-anchor="middle" fill="#52606d">` + html.EscapeString(kind) + `</text>` +
		`<text x="44" y="60" font-family="sans-serif" font-size="10" text-anchor="middle" fill="#52606d">无法预览</text></svg>`)
}

// sendPage answers page :n of a material's preview (PNG).
func (s *pages) sendPage(c *gin.Context, caseID, mid string) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		s.API.Fail(c, archive.Errorf(archive.ENOTFOUND, "there is no page %d to show", 0))
		return
	}
	rc, m, err := s.Svc.OpenMaterial(c.Request.Context(), dhttp.Actor(c), caseID, mid)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	defer rc.Close()
	b, err := s.prev.Page(c.Request.Context(), m.SHA256, m.ContentType, n, rc)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	c.Data(http.StatusOK, "image/png", b)
}

// showPreview renders the preview page of a material; base is the case
// page's path ("" for the staff page of caseID).
func (s *pages) showPreview(c *gin.Context, caseID, mid, base string) {
	a := dhttp.Actor(c)
	rc, m, err := s.Svc.OpenMaterial(c.Request.Context(), a, caseID, mid)
	if err != nil {
		s.caseFail(c, caseID, err)
		return
	}
	defer rc.Close()
	if base == "" {
		base = "/cases/" + caseID
	}
	pv := previewView{Base: base, Material: *m}
	switch m.ContentType {
	case content.TypeJPEG, content.TypePNG:
		pv.Image = true
	case content.TypePDF, content.TypeTIFF:
		n, err := s.prev.Pages(c.Request.Context(), m.SHA256, m.ContentType, rc)
		if err != nil {
			pv.Refusal = zh.Message(err)
			break
		}
		for i := 1; i <= n; i++ {
			pv.Pages = append(pv.Pages, i)
		}
	default:
		pv.Refusal = "此类文件（" + m.Filename + "）无法在页面中预览，请下载后查看。"
	}
	s.Render(c, http.StatusOK, "preview", "预览 "+m.Filename, pv)
}
