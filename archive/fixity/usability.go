package fixity

import (
	"archive/zip"
	"bytes"
	"dossier/archive/content"
	"dossier/archive/zh"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG materials
	_ "image/png"  // and of PNG ones
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// checkFormat decides the format of a content from its head (the first
// bytes) and tail (the last bytes; both the whole content when it is
// small) and whether it opens as that format: PDF header with xref and
// %%EOF at the end, JPEG/PNG headers that decode, TIFF header, UTF-8 or
// GB18030 text, DOCX/OFD ZIP packages whose central directory opens and
// names the main part. sniffed is empty when the content is of no
// accepted format; openErr says why it does not open; openWarn says what
// could not be checked.
func checkFormat(head, tail []byte, size int64) (sniffed, openErr, openWarn string) {
	whole := int64(len(head)) == size
	sniffHead := head
	if len(sniffHead) > content.SniffHead {
		sniffHead = sniffHead[:content.SniffHead]
	}
	t, err := content.SniffContentType(sniffHead)
	if err != nil {
		return "", zh.Message(err), ""
	}
	switch t {
	case content.TypePDF:
		end := tail
		if len(end) > 2048 {
			end = end[len(end)-2048:]
		}
		if !bytes.Contains(end, []byte("%%EOF")) {
			return t, "PDF 文件末尾没有 %%EOF 结束标记：文件可能不完整（被截断）", ""
		}
		if !bytes.Contains(end, []byte("startxref")) && !bytes.Contains(tail, []byte("xref")) {
			return t, "", "PDF 文件末尾没有交叉引用表（startxref）：阅读器须先重建它才能打开，内容本身可以读取"
		}
	case content.TypeJPEG, content.TypePNG:
		if _, _, err := image.DecodeConfig(bytes.NewReader(head)); err != nil {
			if !whole && errors.Is(err, io.ErrUnexpectedEOF) {
				return t, "", "图像文件头超出了本次检查的范围，未能完整核对"
			}
			return t, "图像文件头无法解码：" + err.Error(), ""
		}
		if t == content.TypeJPEG && !bytes.HasSuffix(bytes.TrimRight(tail, "\x00\r\n "), []byte{0xFF, 0xD9}) {
			return t, "JPEG 图像没有结束标记：文件可能不完整（被截断）", ""
		}
	case content.TypeTIFF:
		if len(head) < 8 {
			return t, "TIFF 文件头不完整", ""
		}
		var off int64
		if head[0] == 'I' {
			off = int64(head[4]) | int64(head[5])<<8 | int64(head[6])<<16 | int64(head[7])<<24
		} else {
			off = int64(head[7]) | int64(head[6])<<8 | int64(head[5])<<16 | int64(head[4])<<24
		}
		if off < 8 || off >= size {
			return t, "TIFF 的第一个图像目录位于文件之外：文件已损坏或不完整", ""
		}
	case content.TypeText, content.TypeGBK:
		if !validText(head, !whole, t) || (!whole && !validText(tail, true, t)) {
			return t, "文本不是有效的 " + map[string]string{content.TypeText: "UTF-8", content.TypeGBK: "GB18030"}[t] + " 编码", ""
		}
	case content.TypeDOCX, content.TypeOFD:
		zr, err := zip.NewReader(&sparseReader{head: head, tail: tail, size: size}, size)
		if errors.Is(err, errOutsideWindow) {
			return t, "", "文件的目录区超出了本次检查的范围，未能完整核对"
		}
		if err != nil {
			return t, "文件不能按 ZIP 压缩包打开：" + err.Error(), ""
		}
		want := map[string]string{content.TypeDOCX: "word/document.xml", content.TypeOFD: "OFD.xml"}[t]
		for _, f := range zr.File {
			if f.Name == want {
				return t, "", ""
			}
		}
		return t, "压缩包中没有 " + want + "：不是完整的文档", ""
	}
	return t, "", ""
}

// validText checks UTF-8 or GB18030 text; a part cut from a longer
// content may start and end inside a character.
func validText(b []byte, cut bool, t string) bool {
	if t == content.TypeText {
		if cut {
			for i := 0; i < 3 && len(b) > 0 && !utf8.RuneStart(b[0]); i++ {
				b = b[1:]
			}
			for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
				b = b[:len(b)-1]
			}
		}
		return utf8.Valid(b)
	}
	try := func(b []byte) bool {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		return err == nil && !bytes.ContainsRune(dec, utf8.RuneError)
	}
	if !cut {
		return try(b)
	}
	// A GB18030 character is at most 4 bytes: some alignment of the cut
	// part decodes.
	for s := 0; s < 4 && s < len(b); s++ {
		for e := 0; e < 4 && len(b)-e > s; e++ {
			if try(b[s : len(b)-e]) {
				return true
			}
		}
	}
	return false
}

var errOutsideWindow = errors.New("read outside the checked part")

// sparseReader serves reads from a content's head and tail only; enough
// for zip.NewReader, which reads the end record and central directory.
type sparseReader struct {
	head, tail []byte
	size       int64
}

func (r *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= r.size {
		return 0, io.EOF
	}
	end := off + int64(len(p))
	if end <= int64(len(r.head)) {
		return copy(p, r.head[off:]), nil
	}
	tailStart := r.size - int64(len(r.tail))
	if off >= tailStart {
		n := copy(p, r.tail[off-tailStart:])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	return 0, errOutsideWindow
}
