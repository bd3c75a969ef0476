package enrich

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// riskDoc is the document whose worked example TestWorkedExample reproduces.
const riskDoc = "../../docs/risk.md"

// docTables returns the tables of docs/risk.md that follow a
// "<!-- example:NAME -->" marker, by NAME: each a list of rows (header and
// separator dropped) of trimmed cells.
func docTables(t *testing.T) map[string][][]string {
	t.Helper()
	f, err := os.Open(riskDoc)
	if err != nil {
		t.Fatalf("the worked example lives in docs/risk.md: %v", err)
	}
	defer f.Close()
	tables := map[string][][]string{}
	name, lines := "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if n, ok := strings.CutPrefix(line, "<!-- example:"); ok {
			name, lines = strings.TrimSpace(strings.TrimSuffix(n, "-->")), 0
			if _, dup := tables[name]; dup {
				t.Fatalf("%s: table %q appears twice", riskDoc, name)
			}
			tables[name] = nil
			continue
		}
		if name == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if lines > 0 { // the table is over
				name = ""
			}
			continue
		}
		lines++
		if lines <= 2 { // header and separator
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		tables[name] = append(tables[name], cells)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"acs", "findings", "derivation", "buckets", "result"} {
		if len(tables[want]) == 0 {
			t.Fatalf("%s: no rows in the example:%s table", riskDoc, want)
		}
	}
	return tables
}

// cellInts parses "—" (nothing) or a comma-separated list of integers.
func cellInts(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range cellList(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("cell %q: %v", s, err)
		}
		out = append(out, n)
	}
	return out
}

// cellList parses "—" (nothing) or a comma-separated list.
func cellList(s string) []string {
	if s == "—" || s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// cellFloat parses "—" (nil) or a number.
func cellFloat(t *testing.T, s string) *float64 {
	t.Helper()
	if s == "—" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("cell %q: %v", s, err)
	}
	return &v
}

// cellInt parses "—" (0) or an integer.
func cellInt(t *testing.T, s string) int {
	t.Helper()
	v := cellInts(t, s)
	switch len(v) {
	case 0:
		return 0
	case 1:
		return v[0]
	}
	t.Fatalf("cell %q: want one integer", s)
	return 0
}

// fixed formats v with prec decimals, then drops trailing zeros.
func fixed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// exampleFinding is one row of the example:findings table.
type exampleFinding struct {
	qid     string
	status  string
	f       FindingQDS
	kb      VulnFacts
	qds     int
	derived bool
}

// TestWorkedExample recomputes every number of the worked example in
// docs/risk.md from its inputs and compares it with the page.
func TestWorkedExample(t *testing.T) {
	tables := docTables(t)

	// ACS.
	acsRow := tables["acs"][0]
	var csam *int
	if v := cellInts(t, acsRow[0]); len(v) == 1 {
		csam = &v[0]
	}
	acs := ACS(csam, cellInts(t, acsRow[1]))
	if want := cellInt(t, acsRow[2]); acs != want {
		t.Errorf("ACS(%s; %s) = %d, the page says %d", acsRow[0], acsRow[1], acs, want)
	}

	// Findings and their QDS.
	var findings []exampleFinding
	for _, r := range tables["findings"] {
		if len(r) != 11 {
			t.Fatalf("findings row %v: want 11 cells", r)
		}
		ef := exampleFinding{
			qid:    r[0],
			status: r[1],
			f:      FindingQDS{Score: cellInt(t, r[2])},
			kb: VulnFacts{
				CVSS3Base:      cellFloat(t, r[3]),
				CVSS2Base:      cellFloat(t, r[4]),
				Severity:       cellInt(t, r[5]),
				ExploitSources: cellList(r[6]),
				MalwareSources: cellList(r[7]),
				ThreatIntel:    cellList(r[8]),
			},
		}
		ef.qds, ef.derived = QDS(ef.f, ef.kb)
		if want := cellInt(t, r[9]); ef.qds != want {
			t.Errorf("QID %s: QDS %d, the page says %d", ef.qid, ef.qds, want)
		}
		if yesNo(ef.derived) != r[10] {
			t.Errorf("QID %s: derived %v, the page says %s", ef.qid, ef.derived, r[10])
		}
		findings = append(findings, ef)
	}

	// Derivations: one row per derived finding, in order.
	var derivedQIDs, rowQIDs []string
	for _, ef := range findings {
		if ef.derived {
			derivedQIDs = append(derivedQIDs, ef.qid)
		}
	}
	sourceLabel := map[string]string{SourceCVSS3: "CVSS v3", SourceCVSS2: "CVSS v2", SourceSeverity: "2 × severity"}
	maturityFrom := map[string]string{SourceKB: ", from KB", SourceQDSFactor: ", from QDS factor"}
	for _, r := range tables["derivation"] {
		if len(r) != 7 {
			t.Fatalf("derivation row %v: want 7 cells", r)
		}
		rowQIDs = append(rowQIDs, r[0])
		i := slices.IndexFunc(findings, func(ef exampleFinding) bool { return ef.qid == r[0] })
		if i < 0 {
			t.Errorf("derivation of QID %s, which is not in the findings table", r[0])
			continue
		}
		d := DeriveQDS(findings[i].f, findings[i].kb)
		want := []string{
			r[0],
			fmt.Sprintf("%.1f (%s)", d.CVSS, sourceLabel[d.CVSSSource]),
			fmt.Sprintf("%s (%s%s)", fixed(float64(d.Maturity.percent())/100, 2), d.Maturity, maturityFrom[d.MaturitySource]),
			yesNo(d.KEV),
			yesNo(d.Malware),
			d.Formula(),
			strconv.Itoa(d.Score),
		}
		for c := range want {
			if r[c] != want[c] {
				t.Errorf("derivation of QID %s, column %d: the page says %q, the code %q", r[0], c+1, r[c], want[c])
			}
		}
	}
	if !slices.Equal(rowQIDs, derivedQIDs) {
		t.Errorf("derivation table covers %v, derived findings are %v", rowQIDs, derivedQIDs)
	}

	// Buckets.
	var scored, unfixed []ScoredFinding
	for _, ef := range findings {
		scored = append(scored, ScoredFinding{QDS: ef.qds, Status: ef.status})
		unfixed = append(unfixed, ScoredFinding{QDS: ef.qds, Status: "Active"})
	}
	w := DefaultWeights()
	bd := Explain(acs, scored, w)
	if len(tables["buckets"]) != int(numBuckets) {
		t.Fatalf("buckets table has %d rows, want %d", len(tables["buckets"]), numBuckets)
	}
	for i, r := range tables["buckets"] {
		if len(r) != 7 {
			t.Fatalf("buckets row %v: want 7 cells", r)
		}
		bs := bd.Buckets[i]
		var values []string
		for _, f := range scored {
			if b, ok := BucketOf(f.QDS); ok && b == bs.Bucket && f.counts() {
				values = append(values, strconv.Itoa(f.QDS))
			}
		}
		want := []string{bs.Bucket.String(), fixed(bs.Weight, 6), strconv.Itoa(bs.Count), "—", "—", "—", "0"}
		if bs.Count > 0 {
			want[3] = strings.Join(values, ", ")
			want[4] = fixed(bs.Avg, 2)
			want[5] = strconv.FormatFloat(bs.CountFactor, 'f', 4, 64)
			want[6] = strconv.FormatFloat(bs.Contribution, 'f', 2, 64)
		}
		for c := range want {
			if r[c] != want[c] {
				t.Errorf("buckets row %d (%s), column %d: the page says %q, the code %q", i+1, r[0], c+1, r[c], want[c])
			}
		}
	}

	// Result.
	all := Explain(acs, unfixed, w)
	wantResult := map[string]string{
		"Σ (sum of the contributions)":        strconv.FormatFloat(bd.Sum, 'f', 2, 64),
		"ACS":                                 strconv.Itoa(bd.ACS),
		"ACS × Σ":                             strconv.FormatFloat(bd.Raw, 'f', 2, 64),
		"TruRisk = min(1000, round(ACS × Σ))": strconv.Itoa(bd.Score),
		"Band":                                bd.Band,
		"TruRisk had 105007 not been fixed":   strconv.Itoa(all.Score),
		"Band had 105007 not been fixed":      all.Band,
	}
	seen := map[string]bool{}
	for _, r := range tables["result"] {
		if len(r) != 2 {
			t.Fatalf("result row %v: want 2 cells", r)
		}
		want, ok := wantResult[r[0]]
		if !ok {
			t.Errorf("result row %q: unknown step", r[0])
			continue
		}
		seen[r[0]] = true
		if r[1] != want {
			t.Errorf("result %q: the page says %s, the code %s", r[0], r[1], want)
		}
	}
	for k := range wantResult {
		if !seen[k] {
			t.Errorf("result table lacks the step %q", k)
		}
	}
	if bd.Score != TruRisk(acs, scored, w) {
		t.Errorf("TruRisk disagrees with Explain")
	}
}
