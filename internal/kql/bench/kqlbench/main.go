// Command kqlbench measures the KQL engine on generated SigninLogs rows
// (parse, compile and execute, as the emulator runs queries) and compares
// it with SQLite on the same rows when the sqlite3 shell is installed
// (apt-get install -y sqlite3). It exits 1 when a target is missed:
// filter+count below -min-rate rows/s, or any query slower than SQLite.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/bench"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows of the generated table")
	reps := flag.Int("reps", 5, "runs per query (the best is reported)")
	minRate := flag.Float64("min-rate", 10e6, "filter+count target in rows per second")
	flag.Parse()
	_, ok, err := bench.Compare(os.Stdout, *rows, *reps, *minRate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kqlbench:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Println("FAIL: a target was missed")
		os.Exit(1)
	}
	fmt.Println("ok: all targets met")
}
