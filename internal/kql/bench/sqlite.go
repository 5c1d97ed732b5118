package bench

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SQLite drives the sqlite3 command-line shell for the comparison: the
// same rows are loaded into a file database and each query is timed by the
// shell itself (.timer), so process start-up is not counted.
type SQLite struct {
	Bin string
	DB  string
}

// NewSQLite loads n generated rows into a fresh database under dir.
func NewSQLite(dir string, n int) (*SQLite, error) {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		return nil, errors.New("sqlite3 not found on PATH (apt-get install -y sqlite3)")
	}
	s := &SQLite{Bin: bin, DB: filepath.Join(dir, "signins.db")}
	csvPath := filepath.Join(dir, "signins.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	Signins(n, 1, func(r *SigninRow) {
		fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%d\n", r.Time.Unix(), r.User, r.IP, r.Result, r.App, r.Location, r.Client, r.CAStatus, r.Risk, r.Duration)
	})
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	_ = os.Remove(s.DB)
	script := `CREATE TABLE SigninLogs(TimeGenerated INTEGER, UserPrincipalName TEXT, IPAddress TEXT, ResultType TEXT,
 AppDisplayName TEXT, Location TEXT, ClientAppUsed TEXT, ConditionalAccessStatus TEXT, RiskLevelDuringSignIn TEXT, DurationMs INTEGER);
.mode csv
.import ` + csvPath + ` SigninLogs
`
	cmd := exec.Command(s.Bin, s.DB)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sqlite3 import: %v: %s", err, out)
	}
	_ = os.Remove(csvPath)
	return s, nil
}

var runTime = regexp.MustCompile(`Run Time: real ([0-9.]+)`)

// Time runs sql reps times in one shell (the first run warms the page
// cache) and returns the best wall time and the first result line.
func (s *SQLite) Time(sql string, reps int) (time.Duration, string, error) {
	var script strings.Builder
	script.WriteString(".timer on\n")
	for i := 0; i < reps; i++ {
		script.WriteString(sql + "\n")
	}
	cmd := exec.Command(s.Bin, s.DB)
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, "", fmt.Errorf("sqlite3: %v: %s", err, out)
	}
	best := time.Duration(-1)
	first := ""
	for _, line := range strings.Split(string(out), "\n") {
		if m := runTime.FindStringSubmatch(line); m != nil {
			sec, _ := strconv.ParseFloat(m[1], 64)
			d := time.Duration(sec * float64(time.Second))
			if best < 0 || d < best {
				best = d
			}
			continue
		}
		if first == "" && strings.TrimSpace(line) != "" {
			first = line
		}
	}
	if best < 0 {
		return 0, "", fmt.Errorf("sqlite3 printed no timing: %s", out)
	}
	return best, first, nil
}

// Count returns the number of rows sql returns and, for a one-row,
// one-column answer, that value: the comparison checks both engines
// give the same answer before it compares their times.
func (s *SQLite) Count(sql string) (rows int, single string, err error) {
	inner := strings.TrimSuffix(strings.TrimSpace(sql), ";")
	cmd := exec.Command(s.Bin, s.DB)
	cmd.Stdin = strings.NewReader("SELECT count(*) FROM (" + inner + ");\n" + inner + " LIMIT 2;\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, "", fmt.Errorf("sqlite3: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if rows, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return 0, "", fmt.Errorf("sqlite3 count: %q", lines[0])
	}
	if rows == 1 && len(lines) == 2 && !strings.Contains(lines[1], "|") {
		single = strings.TrimSpace(lines[1])
	}
	return rows, single, nil
}
