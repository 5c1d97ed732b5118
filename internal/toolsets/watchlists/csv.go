package watchlists

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
)

// Limits of a watchlist created from CSV text. The byte cap is Sentinel's for an upload through the
// API; the others keep one call's work and answer bounded.
const (
	maxCSVBytes   = sentinel.MaxWatchlistUploadBytes
	maxCSVRows    = 100_000
	maxCSVColumns = 100
	maxCellBytes  = 10_000
	maxErrors     = 10
)

// csvContent is a parsed watchlist upload.
type csvContent struct {
	Header   []string
	Rows     [][]string
	Warnings []string
}

// parseCSV checks a watchlist's CSV text: a header line of unique, non-empty column names that
// includes the search key, then rows with as many fields as the header, each with a search key
// value. Errors name the line and say what to fix; at most maxErrors are reported.
func parseCSV(text, searchKey string) (*csvContent, error) {
	if len(text) > maxCSVBytes {
		return nil, fmt.Errorf("the CSV is %d bytes; Sentinel accepts at most %d bytes (3.8 MB) in one upload: split it, or upload larger lists to Azure Storage", len(text), maxCSVBytes)
	}
	if !utf8.ValidString(text) {
		return nil, errors.New("the CSV is not valid UTF-8 text")
	}
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("the CSV is empty: give a header line with the column names, then one line per item")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1 // checked here, with better messages
	header, err := r.Read()
	if err != nil {
		return nil, csvErr(err)
	}
	out := &csvContent{}
	var errs []string
	seen := map[string]string{}
	for i, h := range header {
		name := strings.TrimSpace(h)
		switch {
		case name == "":
			errs = append(errs, fmt.Sprintf("header column %d has no name", i+1))
		case seen[strings.ToLower(name)] != "":
			errs = append(errs, fmt.Sprintf("header column %q appears twice (column names are case-insensitive)", name))
		}
		seen[strings.ToLower(name)] = name
		out.Header = append(out.Header, name)
	}
	if len(header) > maxCSVColumns {
		errs = append(errs, fmt.Sprintf("the header has %d columns; at most %d are accepted", len(header), maxCSVColumns))
	}
	keyCol := -1
	for i, h := range out.Header {
		if h == searchKey {
			keyCol = i
		}
	}
	if keyCol < 0 {
		msg := fmt.Sprintf("the search key %q is not a column of the header (columns: %s)", searchKey, strings.Join(out.Header, ", "))
		if exact := seen[strings.ToLower(strings.TrimSpace(searchKey))]; exact != "" {
			msg += fmt.Sprintf("; did you mean %q? (the search key is case-sensitive)", exact)
		}
		errs = append(errs, msg)
	}
	keys := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, csvErr(err).Error())
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(out.Header) > 1 {
			continue // a blank line
		}
		if len(rec) != len(out.Header) {
			errs = append(errs, fmt.Sprintf("line %d has %d fields; the header has %d (quote values that contain commas)", line, len(rec), len(out.Header)))
		} else {
			for i, v := range rec {
				if len(v) > maxCellBytes {
					errs = append(errs, fmt.Sprintf("line %d, column %q: the value is %d bytes; at most %d are accepted", line, out.Header[i], len(v), maxCellBytes))
				}
			}
			if keyCol >= 0 {
				k := strings.TrimSpace(rec[keyCol])
				switch {
				case k == "":
					errs = append(errs, fmt.Sprintf("line %d has no value in the search key column %q", line, searchKey))
				case keys[k] > 0:
					out.Warnings = appendWarning(out.Warnings, fmt.Sprintf("line %d repeats the search key value %q of line %d: _GetWatchlist lookups will match both", line, k, keys[k]))
				default:
					keys[k] = line
				}
			}
		}
		out.Rows = append(out.Rows, rec)
		if len(out.Rows) > maxCSVRows {
			return nil, fmt.Errorf("the CSV has more than %d rows: split it into several watchlists or upload it to Azure Storage", maxCSVRows)
		}
		if len(errs) >= maxErrors {
			break
		}
	}
	if len(errs) == 0 && len(out.Rows) == 0 {
		errs = append(errs, "the CSV has a header but no rows: add one line per item")
	}
	if len(errs) > 0 {
		more := ""
		if len(errs) >= maxErrors {
			more = " (first errors only)"
		}
		return nil, fmt.Errorf("the CSV is not a valid watchlist%s: %s. Nothing was created", more, strings.Join(errs, "; "))
	}
	return out, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return err
}

func appendWarning(ws []string, w string) []string {
	const maxWarnings = 5
	switch {
	case len(ws) < maxWarnings:
		return append(ws, w)
	case len(ws) == maxWarnings:
		return append(ws, "more warnings of the same kind were left out")
	}
	return ws
}

// encodeCSV renders a header and rows as CSV text (the upload Sentinel parses).
func encodeCSV(header []string, rows [][]string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	return b.String()
}
