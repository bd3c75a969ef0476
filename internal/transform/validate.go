package transform

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/qflow/qflow/internal/model"
)

// RowError is one problem in a transform map. Row is the 1-based row number
// (0 for a problem with the map's own fields), Line the YAML line (0 when
// unknown), Field the part at fault ("source", "type", "target",
// "normalizer"; for the map itself "name", "source", "key" or "rows") and Msg
// the message that follows the field name.
type RowError struct {
	Row   int
	Line  int
	Field string
	Msg   string
}

// Error renders the problem, e.g.
// `row 12 (line 40): target "host.dns_nam": unknown target field`.
func (e *RowError) Error() string {
	var b strings.Builder
	switch {
	case e.Row > 0 && e.Line > 0:
		fmt.Fprintf(&b, "row %d (line %d): ", e.Row, e.Line)
	case e.Row > 0:
		fmt.Fprintf(&b, "row %d: ", e.Row)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Field)
	b.WriteByte(' ')
	b.WriteString(e.Msg)
	return b.String()
}

// rowPlan is what validation learned about one row, for Compile.
type rowPlan struct {
	segs     []segment
	listPath string // "softwareListData.software" when the path crosses a list
	field    model.Field
	norm     *normalizer
}

// validation collects the problems of one map.
type validation struct {
	m     *Map
	cat   *model.Catalog
	errs  []error
	plans []rowPlan
	key   []segment
	keyIn string // schema kind of the key path
}

var mapNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate checks the map against the target catalog (nil means
// model.NewCatalog()) and the embedded source schema of m.Source. It reports
// every problem at once: errors.Join of *RowError, in row order. It checks
// unknown source paths, unknown and duplicate targets, bad types, unknown
// normalizers, types that do not fit the target field, normalizers that do
// not fit the type, rows whose list use does not fit the target entity
// (values outside any list go to the source's record entity, host or vuln;
// finding rows read VULNERABILITIES[]; a row reads at most one list level,
// two with type list), and the map's name, source and key.
func (m *Map) Validate(cat *model.Catalog) error {
	_, err := m.validate(cat)
	return err
}

func (m *Map) validate(cat *model.Catalog) (*validation, error) {
	if cat == nil {
		cat = model.NewCatalog()
	}
	v := &validation{m: m, cat: cat, plans: make([]rowPlan, len(m.Rows))}
	schema := v.checkHeader()
	v.checkRows(schema)
	return v, errors.Join(v.errs...)
}

func (v *validation) mapErr(field, format string, args ...any) {
	v.errs = append(v.errs, &RowError{Line: v.m.lines[field], Field: field, Msg: fmt.Sprintf(format, args...)})
}

// checkHeader checks name, source and key, and returns the source schema.
func (v *validation) checkHeader() sourceSchema {
	m := v.m
	switch {
	case m.Name == "":
		v.mapErr("name", "is required")
	case !mapNameRE.MatchString(m.Name):
		v.mapErr("name", "%q: use letters, digits, '-', '.' and '_'", m.Name)
	}
	var schema sourceSchema
	if m.Source == "" {
		v.mapErr("source", "is required (one of %s)", strings.Join(schemaSources(), ", "))
	} else if s, err := loadSchema(m.Source); err != nil {
		v.mapErr("source", "%q: unknown source (one of %s)", m.Source, strings.Join(schemaSources(), ", "))
	} else {
		schema = s
	}
	if m.Key == "" {
		v.mapErr("key", "is required: the source path of the record's native key")
	} else if segs, err := splitPath(m.Key); err != nil {
		v.mapErr("key", "%q: %v", m.Key, err)
	} else if slices.ContainsFunc(segs, func(s segment) bool { return s.list }) {
		v.mapErr("key", "%q: the key must be one value of the record, not a list element", m.Key)
	} else if schema != nil {
		kind, ok := schema[m.Key]
		switch {
		case !ok:
			v.mapErr("key", "%q: unknown source path%s", m.Key, suggest(m.Key, schemaPaths(schema)))
		case kind != schemaInteger && kind != schemaString:
			v.mapErr("key", "%q: the key must be an integer or string field, this is %s", m.Key, article(kind))
		default:
			v.key, v.keyIn = segs, kind
		}
	}
	if len(m.Rows) == 0 {
		v.mapErr("rows", "is empty: a map needs at least one row")
	}
	return schema
}

func (v *validation) checkRows(schema sourceSchema) {
	norms := normalizers()
	firstRow := map[string]int{}         // target → row
	entityList := map[model.Entity]int{} // entity → first row reading it from a list
	for i, r := range v.m.Rows {
		rowNo := i + 1
		bad := func(field, format string, args ...any) {
			v.errs = append(v.errs, &RowError{Row: rowNo, Line: r.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		p := &v.plans[i]

		// source
		sourceOK := false
		lists := 0
		if r.Source == "" {
			bad("source", "is required")
		} else if segs, err := splitPath(r.Source); err != nil {
			bad("source", "%q: %v", r.Source, err)
		} else {
			p.segs = segs
			for k, s := range segs {
				if s.list {
					lists++
					if lists == 1 {
						p.listPath = joinSegs(segs[:k+1])
					}
				}
			}
			switch kind, known := schema[r.Source]; {
			case lists > 2:
				bad("source", "%q: nested lists: a row reads at most two list levels (two \"[]\"), and only a row of type list reads two", r.Source)
			case lists == 2 && model.ValidType(r.Type) && r.Type != model.TypeList:
				bad("source", "%q: nested lists: a row of type %s reads at most one list level (one \"[]\"); only type list collects the values of a list inside a list element", r.Source, r.Type)
			case schema == nil:
				sourceOK = true // no schema to check against; reported on the map
			case !known:
				bad("source", "%q: unknown source path%s", r.Source, suggest(r.Source, schemaPaths(schema)))
			case kind == schemaObject:
				bad("source", "%q: is an object, not a value: map one of its fields", r.Source)
			case kind == schemaArray:
				bad("source", "%q: is a list: write %q to read each element", r.Source, r.Source+"[]")
			default:
				sourceOK = true
			}
		}

		// type
		typeOK := false
		switch {
		case r.Type == "":
			bad("type", "is required (one of %s)", typeNames())
		case !model.ValidType(r.Type):
			bad("type", "%q: unknown type (one of %s)", r.Type, typeNames())
		default:
			typeOK = true
		}

		// target
		targetOK := false
		if r.Target == "" {
			bad("target", "is required")
		} else if f, ok := v.cat.Lookup(r.Target); !ok {
			bad("target", "%q: unknown target field%s", r.Target, suggest(r.Target, catalogTargets(v.cat)))
		} else if first, dup := firstRow[r.Target]; dup {
			bad("target", "%q: duplicate target (row %d writes it too)", r.Target, first)
		} else {
			firstRow[r.Target] = rowNo
			p.field = f
			targetOK = true
		}

		// normalizer
		if r.Normalizer != "" {
			if n, ok := norms[r.Normalizer]; !ok {
				bad("normalizer", "%q: unknown normalizer (one of %s)", r.Normalizer, normalizerNames(norms))
			} else if typeOK && !slices.Contains(n.types, r.Type) {
				bad("normalizer", "%q: cannot be used with type %s (only with %s)", r.Normalizer, r.Type, joinTypes(n.types))
			} else {
				p.norm = &n
			}
		}

		if !typeOK || !targetOK {
			continue
		}
		f := p.field
		if !compatible(r.Type, f.Type) {
			bad("type", "%q: cannot be written to %s, a field of type %s", r.Type, r.Target, f.Type)
			continue
		}
		if !sourceOK {
			continue
		}
		v.checkListUse(rowNo, r, p, lists, entityList, bad)
	}
}

// checkListUse checks that a row's use of source lists fits its target
// entity: the record entity (host or vuln, per the map's source) takes
// top-level values and collects lists; the other entities have one row per
// element of one source list; a bound entity (finding) reads its fixed list.
func (v *validation) checkListUse(rowNo int, r Row, p *rowPlan, lists int, entityList map[model.Entity]int, bad func(field, format string, args ...any)) {
	rec := v.m.Source.RecordEntity()
	f := p.field
	e := f.Entity
	bound, isBound := boundLists[e]
	ex := examplePaths[v.m.Source]
	switch {
	case rec == "":
		// unknown source: reported on the map
	case e != rec && recordSources[e] != "":
		bad("target", "%q: %s is the record entity of %s maps; a %s map writes the values of its record (paths outside any list) to %s fields",
			r.Target, e, recordSources[e], v.m.Source, rec)
	case isBound && v.m.Source != bound.source:
		bad("target", "%q: %s rows are the elements of %s[] of a %s record; a %s map cannot write them",
			r.Target, e, bound.list, bound.source, v.m.Source)
	case isBound && p.listPath != bound.list:
		bad("source", "%q: %s rows are the elements of %s[]: the path must read that list (e.g. %q)",
			r.Source, e, bound.list, bound.example)
	case e == rec && r.Type == model.TypeList && lists == 0:
		bad("source", "%q: type list collects the elements of a source list, but the path names no list element: mark the list with \"[]\" (e.g. %q)", r.Source, ex.collect)
	case e == rec && lists > 0 && r.Type != model.TypeList:
		bad("type", "%q: the path reads every element of list %q but %s field %s holds one value: map it to a list field with type list, or to a field of a list entity",
			r.Type, p.listPath, rec, r.Target)
	case e != rec && lists == 0:
		bad("source", "%q: target %s is a %s field and %s has one row per element of a source list, so the path must name a list element with \"[]\" (e.g. %q)",
			r.Source, r.Target, e, e, ex.element)
	case e != rec && r.Type == model.TypeList && lists == 1:
		bad("source", "%q: type list on %s field %s collects the values of a list inside each element of %q: the path needs a second \"[]\" (e.g. %q)",
			r.Source, e, r.Target, p.listPath, ex.nested)
	case e != rec:
		if first, seen := entityList[e]; seen && v.plans[first-1].listPath != p.listPath {
			bad("source", "%q: entity %s is already read from list %q (row %d): all rows of one entity must read the same list",
				r.Source, e, v.plans[first-1].listPath, first)
		} else if !seen {
			entityList[e] = rowNo
		}
	}
}

// recordSources names, for each record entity, the sources whose records
// it is.
var recordSources = map[model.Entity]string{
	model.EntityHost: "CSAM and VMDR",
	model.EntityVuln: "KB",
}

// boundLists names the source list an entity must be read from.
var boundLists = map[model.Entity]struct {
	source        model.Source
	list, example string
}{
	model.EntityFinding: {model.SourceVMDR, "VULNERABILITIES", "VULNERABILITIES[].QID"},
}

// examplePaths are the example paths of error messages, per source: a list
// collected into the record, a list element, and a list inside an element.
var examplePaths = map[model.Source]struct{ collect, element, nested string }{
	model.SourceCSAM: {"tagList.tag[].tagName", "softwareListData.software[].fullName", "softwareListData.software[].softwareInstances[].PROC"},
	model.SourceVMDR: {"TAGS[].NAME", "VULNERABILITIES[].QID", "VULNERABILITIES[].QID_INFO.qid.cveId[]"},
	model.SourceKB:   {"CVE_LIST[].ID", "CVE_LIST[].ID", "CORRELATION.EXPLOITS[].EXPLT_LIST[].REF"},
}

// compatible reports whether a row of type row may write a field of type
// field: the same type, or an ip/mac row (canonical text) into a string field.
func compatible(row, field model.Type) bool {
	return row == field || field == model.TypeString && (row == model.TypeIP || row == model.TypeMAC)
}

func joinSegs(segs []segment) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
		if s.list && i < len(segs)-1 {
			b.WriteString("[]")
		}
	}
	return b.String()
}

func article(kind string) string {
	if kind == schemaInteger || kind == schemaObject || kind == schemaArray {
		return "an " + kind
	}
	return "a " + kind
}

func typeNames() string { return joinTypes(model.Types) }

func joinTypes(ts []model.Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func normalizerNames(norms map[string]normalizer) string {
	names := make([]string, 0, len(norms))
	for n := range norms {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// schemaSources lists the sources that have an embedded schema.
func schemaSources() []string {
	entries, _ := fs.ReadDir(schemaFS, "schemas")
	var out []string
	for _, e := range entries {
		out = append(out, strings.ToUpper(strings.TrimSuffix(e.Name(), ".txt")))
	}
	return out
}

func schemaPaths(s sourceSchema) []string {
	out := make([]string, 0, len(s))
	for p, k := range s {
		if isLeaf(k) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func catalogTargets(cat *model.Catalog) []string {
	fs := cat.Fields()
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Target()
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if strings.ToLower(c) == ls {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
		if d := editDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > 3 || bestD*3 > len(s) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of two strings (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
