// Package bankfile is the exchange with the bank: the bank file dossier
// hands over for an approved payment batch, and the return file the bank
// sends back saying which payments were made. Banks' formats differ, so
// a format is a pluggable Format; CSV, the documented one, is built in
// and an office adds its bank's with Register.
package bankfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"dossier/archive"
)

// Line is one payment of a bank file: the payment item, the payee, the
// bank and full account, and the amount in fen.
type Line struct {
	Item      string
	Name      string
	Bank      string
	Account   string
	AmountFen int64
}

// Return statuses.
const (
	Paid   = "paid"
	Failed = "failed"
)

// ReturnLine is one line of a bank's return file: what happened to one
// payment. Reason is the bank's reason of a failure.
type ReturnLine struct {
	// No is the line's number in the file (the header is line 1).
	No        int
	Item      string
	Account   string
	AmountFen int64
	Status    string
	Reason    string
}

// Format writes bank files and reads return files of one bank's format.
type Format interface {
	// Name is the format's name (DOSSIER_BANK_FORMAT).
	Name() string
	// ContentType and Ext describe the bank file (text/csv, .csv).
	ContentType() string
	Ext() string
	// WriteBankFile writes lines in order. The same lines give the same
	// bytes, so the file's recorded SHA-256 identifies it.
	WriteBankFile(w io.Writer, lines []Line) error
	// ReadReturnFile calls fn with every line of a return file, in order.
	// Errors: EINVALID naming the line that is malformed; fn's errors.
	ReadReturnFile(r io.Reader, fn func(ReturnLine) error) error
}

var (
	mu      sync.Mutex
	formats = map[string]Format{}
)

// Register makes f available under f.Name(); a second format of the same
// name replaces the first.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	formats[f.Name()] = f
}

// Lookup returns the format named name. Errors: EINVALID listing the
// formats there are.
func Lookup(name string) (Format, error) {
	mu.Lock()
	defer mu.Unlock()
	if f, ok := formats[name]; ok {
		return f, nil
	}
	var names []string
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, archive.Errorf(archive.EINVALID, "bank file format %q is not known; known formats are %s", name, strings.Join(names, ", "))
}

func init() { Register(CSV{}) }

// CSV is the documented format: a bank file of UTF-8 CSV with the header
// item_id,name,bank,account,amount_fen and one payment a line; a return
// file of UTF-8 CSV with the header item_id,account,amount_fen,status,reason,
// status paid or failed, reason required for a failure.
type CSV struct{}

// Name implements Format.
func (CSV) Name() string { return "csv" }

// ContentType implements Format.
func (CSV) ContentType() string { return "text/csv; charset=utf-8" }

// Ext implements Format.
func (CSV) Ext() string { return ".csv" }

// BankHeader and ReturnHeader are the CSV format's header lines.
var (
	BankHeader   = []string{"item_id", "name", "bank", "account", "amount_fen"}
	ReturnHeader = []string{"item_id", "account", "amount_fen", "status", "reason"}
)

// WriteBankFile implements Format.
func (CSV) WriteBankFile(w io.Writer, lines []Line) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(BankHeader); err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write([]string{l.Item, l.Name, l.Bank, l.Account, strconv.FormatInt(l.AmountFen, 10)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

var fenRE = regexp.MustCompile(`^[0-9]{1,17}$`)

// ParseFen parses an amount in fen written as decimal digits, without
// ever going through floating point. Errors: EINVALID for anything but
// 1 to 17 digits.
func ParseFen(s string) (int64, error) {
	if !fenRE.MatchString(s) {
		return 0, archive.Errorf(archive.EINVALID, "%q is not an amount in fen (whole fen, digits only, at most 17)", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

// ReadReturnFile implements Format.
func (CSV) ReadReturnFile(r io.Reader, fn func(ReturnLine) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(ReturnHeader)
	cr.ReuseRecord = true
	for no := 1; ; no++ {
		rec, err := cr.Read()
		if err == io.EOF {
			if no == 1 {
				return archive.Errorf(archive.EINVALID, "the return file is empty; it starts with the header %s", strings.Join(ReturnHeader, ","))
			}
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return archive.Errorf(archive.EINVALID, "return file line %d: not CSV of %d fields (%s)", pe.Line, len(ReturnHeader), pe.Err.Error())
			}
			return archive.Wrapf("bankfile.ReadReturnFile", archive.EINVALID, err, "the return file could not be read")
		}
		if no == 1 {
			if strings.Join(rec, ",") != strings.Join(ReturnHeader, ",") {
				return archive.Errorf(archive.EINVALID, "return file line 1: the header is %s", strings.Join(ReturnHeader, ","))
			}
			continue
		}
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return archive.Errorf(archive.EINVALID, "return file line %d: not UTF-8", no)
			}
		}
		l := ReturnLine{No: no, Item: rec[0], Account: rec[1], Status: rec[3], Reason: strings.TrimSpace(rec[4])}
		amount, err := ParseFen(rec[2])
		if err != nil {
			return archive.Errorf(archive.EINVALID, "return file line %d: field amount_fen: %s", no, err)
		}
		l.AmountFen = amount
		switch {
		case l.Status != Paid && l.Status != Failed:
			return archive.Errorf(archive.EINVALID, "return file line %d: field status: %q is not paid or failed", no, l.Status)
		case l.Status == Failed && l.Reason == "":
			return archive.Errorf(archive.EINVALID, "return file line %d: field reason: a failed payment states the bank's reason", no)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
}
