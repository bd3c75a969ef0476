package qualyssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter types (Qualys "Supported Tokens and Operators for v2 APIs").
type fieldType int

const (
	typeNumeric fieldType = iota
	typeDate
	typeString
)

func (t fieldType) String() string { return [...]string{"NUMERIC", "DATE", "STRING"}[t] }

var operatorsByType = map[fieldType][]string{
	typeNumeric: {"EQUALS", "NOT_EQUALS", "IN", "GREATER", "LESSER", "GREATER_THAN_EQUAL", "LESS_THAN_EQUAL"},
	typeDate:    {"EQUALS", "NOT_EQUALS", "GREATER", "LESSER", "GREATER_THAN_EQUAL", "LESS_THAN_EQUAL"},
	typeString:  {"EQUALS", "NOT_EQUALS", "CONTAINS", "IN"},
}

// filterFields are the tokens the simulator can evaluate. Names match case-insensitively.
var filterFields = []struct {
	name string
	typ  fieldType
}{
	{"asset.assetID", typeNumeric},
	{"asset.lastUpdated", typeDate},
	{"tags.name", typeString},
	{"operatingSystem.category1", typeString},
	{"operatingSystem.category2", typeString},
	{"inventory.source", typeString},
}

// filterBody is the JSON request body of count and search.
type filterBody struct {
	Filters   []filterEntry `json:"filters"`
	Operation string        `json:"operation"`
}

type filterEntry struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// parseFilters decodes and compiles the request body. An empty body or {} has no filters.
func (ds *dataset) parseFilters(body []byte) ([]func(i int) bool, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var fb filterBody
	if err := dec.Decode(&fb); err != nil {
		return nil, fmt.Errorf("invalid request body: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid request body: trailing data after the JSON object")
	}
	if op := fb.Operation; op != "" && !strings.EqualFold(op, "AND") {
		return nil, fmt.Errorf("unsupported operation %q: filters are combined with AND", op)
	}
	var out []func(int) bool
	for k, f := range fb.Filters {
		fn, err := ds.compileFilter(f)
		if err != nil {
			return nil, fmt.Errorf("filters[%d]: %w", k, err)
		}
		out = append(out, fn)
	}
	return out, nil
}

func (ds *dataset) compileFilter(f filterEntry) (func(int) bool, error) {
	if f.Field == "" {
		return nil, fmt.Errorf("missing field")
	}
	typ, name := fieldType(-1), ""
	for _, x := range filterFields {
		if strings.EqualFold(x.name, f.Field) {
			typ, name = x.typ, x.name
		}
	}
	if name == "" {
		known := make([]string, len(filterFields))
		for k, x := range filterFields {
			known[k] = x.name
		}
		return nil, fmt.Errorf("unsupported field %q (supported: %s)", f.Field, strings.Join(known, ", "))
	}
	op := strings.ToUpper(f.Operator)
	if op == "" {
		return nil, fmt.Errorf("field %s: missing operator", name)
	}
	if !slices.Contains(operatorsByType[typ], op) {
		return nil, fmt.Errorf("operator %q is not valid for %s field %s (valid: %s)", f.Operator, typ, name, strings.Join(operatorsByType[typ], ", "))
	}
	value, err := rawValue(f.Value)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", name, err)
	}
	switch typ {
	case typeNumeric:
		return ds.numericFilter(name, op, value)
	case typeDate:
		return ds.dateFilter(name, op, value)
	default:
		return ds.stringFilter(name, op, value)
	}
}

// rawValue accepts a JSON string or number.
func rawValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("missing value")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("value %s must be a string or a number", raw)
}

func compare(op string, a, b int64) bool {
	switch op {
	case "EQUALS":
		return a == b
	case "NOT_EQUALS":
		return a != b
	case "GREATER":
		return a > b
	case "LESSER":
		return a < b
	case "GREATER_THAN_EQUAL":
		return a >= b
	default: // LESS_THAN_EQUAL
		return a <= b
	}
}

func (ds *dataset) numericFilter(name, op, value string) (func(int) bool, error) {
	if op == "IN" {
		var set []int64
		for _, part := range strings.Split(value, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("field %s: IN value %q is not a comma-separated list of integers", name, value)
			}
			set = append(set, n)
		}
		slices.Sort(set)
		return func(i int) bool { _, ok := slices.BinarySearch(set, ds.ids[i]); return ok }, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("field %s: value %q is not an integer", name, value)
	}
	return func(i int) bool { return compare(op, ds.ids[i], n) }, nil
}

func (ds *dataset) dateFilter(name, op, value string) (func(int) bool, error) {
	t, err := parseISO(value)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", name, err)
	}
	ms := t.UnixMilli()
	return func(i int) bool { return compare(op, ds.meta[i].lastMod, ms) }, nil
}

// stringFilter matches case-insensitively. For tags.name an asset matches when
// any of its tags matches; NOT_EQUALS matches when no tag equals the value.
func (ds *dataset) stringFilter(name, op, value string) (func(int) bool, error) {
	var values []string
	if op == "IN" {
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v != "" {
				values = append(values, v)
			}
		}
	} else {
		values = []string{value}
	}
	if len(values) == 0 || values[0] == "" {
		return nil, fmt.Errorf("field %s: empty value", name)
	}
	hit := func(s string) bool {
		for _, v := range values {
			if op == "CONTAINS" && strings.Contains(strings.ToLower(s), strings.ToLower(v)) {
				return true
			}
			if op != "CONTAINS" && strings.EqualFold(s, v) {
				return true
			}
		}
		return false
	}
	negate := op == "NOT_EQUALS"
	switch name {
	case "tags.name":
		var mask uint32
		for k, t := range tagDefs {
			if hit(t.name) {
				mask |= 1 << k
			}
		}
		return func(i int) bool { return (ds.meta[i].tags&mask != 0) != negate }, nil
	case "inventory.source":
		var set [8]bool
		for k, s := range sourceNames {
			set[k] = hit(s)
		}
		return func(i int) bool { return set[ds.meta[i].source] != negate }, nil
	default:
		set := make([]bool, len(osProfiles))
		for k, p := range osProfiles {
			v := p.category1
			if name == "operatingSystem.category2" {
				v = p.category2
			}
			set[k] = hit(v)
		}
		return func(i int) bool { return set[ds.meta[i].os] != negate }, nil
	}
}

// parseISO accepts ISO-8601 / RFC 3339 timestamps with or without fraction
// and zone (UTC assumed), or a bare date.
func parseISO(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q: want ISO-8601 such as 2021-06-01T00:00:00Z", s)
}
