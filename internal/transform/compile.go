package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/qflow/qflow/internal/model"
)

// Compiled is a validated transform map turned into a path tree, ready to
// apply. It is immutable and safe for concurrent use.
type Compiled struct {
	m        *Map
	hash     string
	root     *node
	keyPath  string
	keyInt   bool     // the key must be an integer
	collects []string // record list fields collected from list elements, by index
	hostCap  int
	nLeaves  int
}

// node is one source path in the compiled tree.
type node struct {
	path   string           // display path, "a.b[].c"
	kids   map[string]*node // object fields read below this node
	elem   *node            // for a list: its element
	list   *listInfo        // for a list: where its elements go
	leaves []*leaf          // rows reading the value at this node
	isKey  bool
	idx    int  // position among the parent's fields (duplicate detection)
	isElem bool // the element node of a list
	inList bool // the element node of a list or a node below it
}

// listInfo describes one source list whose elements become model.Items. A
// nested list (a list inside a list element) makes no items: its values are
// collected into list fields of the enclosing element or of the record.
type listInfo struct {
	path     string         // "softwareListData.software"
	entities []model.Entity // entities an element writes, by slot
	fields   []int          // fields written per entity slot, for map sizing
	nested   bool           // a list inside an element of another list
}

// slot returns the index of entity e in the list, adding it.
func (li *listInfo) slot(e model.Entity) int {
	for i, x := range li.entities {
		if x == e {
			return i
		}
	}
	li.entities = append(li.entities, e)
	li.fields = append(li.fields, 0)
	return len(li.entities) - 1
}

type leafMode uint8

const (
	modeHost     leafMode = iota // one value of the record (Record.Host)
	modeElem                     // a value of the current list element's entity
	modeCollect                  // appended to a list field of the record
	modeElemList                 // appended to a list field of the current list element's entity
)

// leaf is one compiled row.
type leaf struct {
	typ     model.Type
	conv    converter
	norm    normalizeFunc // nil when none (or folded into conv)
	lenient bool          // a value that does not convert is absent
	intern  bool          // reuse the previous result for an equal value
	id      int           // index among the map's leaves
	mode    leafMode
	entity  model.Entity
	field   string
	collect int
	slot    int // entity slot in the list (modeElem, modeElemList)
}

// Compile validates m against cat (nil means model.NewCatalog()) and compiles
// it. The error is Validate's.
func Compile(m *Map, cat *model.Catalog) (*Compiled, error) {
	v, err := m.validate(cat)
	if err != nil {
		return nil, err
	}
	c := &Compiled{m: cloneMap(m), root: &node{}, keyPath: m.Key, keyInt: v.keyIn == schemaInteger}
	c.hash = hashMap(c.m)
	lists := map[string]*listInfo{}
	rec := m.Source.RecordEntity()
	c.nodeFor(v.key, lists).isKey = true
	for i, r := range m.Rows {
		p := v.plans[i]
		lf := &leaf{typ: r.Type, conv: converterFor(r.Type), entity: p.field.Entity, field: p.field.Name}
		if p.norm != nil {
			switch {
			case p.norm.alias == r.Type:
				// ip/mac/datetime on a row of that type: the conversion does it
				lf.lenient = p.norm.lenient
			default:
				lf.norm = p.norm.fn
			}
		}
		lf.id = c.nLeaves
		c.nLeaves++
		n := c.nodeFor(p.segs, lists)
		switch {
		case p.listPath == "":
			lf.mode = modeHost
			c.hostCap++
		case r.Type == model.TypeList && p.field.Entity == rec:
			lf.mode = modeCollect
			lf.collect = len(c.collects)
			c.collects = append(c.collects, p.field.Name)
			c.hostCap++
		case r.Type == model.TypeList:
			lf.mode = modeElemList
			li := lists[p.listPath]
			lf.slot = li.slot(p.field.Entity)
			li.fields[lf.slot]++
			lf.intern = lf.norm == nil
		default:
			lf.mode = modeElem
			li := lists[p.listPath]
			lf.slot = li.slot(p.field.Entity)
			li.fields[lf.slot]++
			lf.intern = lf.norm == nil && r.Type != model.TypeList
		}
		n.leaves = append(n.leaves, lf)
	}
	return c, nil
}

// nodeFor returns the tree node of a path, creating it and its parents.
func (c *Compiled) nodeFor(segs []segment, lists map[string]*listInfo) *node {
	n := c.root
	for _, s := range segs {
		child := n.kids[s.name]
		if child == nil {
			if n.kids == nil {
				n.kids = map[string]*node{}
			}
			path := s.name
			if n.path != "" {
				path = n.path + "." + s.name
			}
			child = &node{path: path, idx: len(n.kids), inList: n.inList}
			n.kids[s.name] = child
		}
		n = child
		if s.list {
			if n.elem == nil {
				li := &listInfo{path: n.path, nested: n.inList}
				lists[n.path] = li
				n.list = li
				n.elem = &node{path: n.path + "[]", isElem: true, inList: true}
			}
			n = n.elem
		}
	}
	return n
}

// Map returns a copy of the map c was compiled from.
func (c *Compiled) Map() *Map { return cloneMap(c.m) }

// Hash returns a stable hash of the map's content (name, description, source,
// key and rows; not comments, layout or line numbers): hex SHA-256.
func (c *Compiled) Hash() string { return c.hash }

func cloneMap(m *Map) *Map {
	cp := *m
	cp.Rows = slices.Clone(m.Rows)
	cp.lines = nil
	return &cp
}

func hashMap(m *Map) string {
	data, _ := json.Marshal(m) // a Map always marshals
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Load parses, validates and compiles a map from YAML. The error lists every
// problem, one per line, each prefixed by filename; it wraps the *RowError
// values (errors.As finds them).
func Load(data []byte, filename string, cat *model.Catalog) (*Compiled, error) {
	m, err := Parse(data, filename)
	if err != nil {
		return nil, err
	}
	c, err := Compile(m, cat)
	if err != nil {
		return nil, &loadError{file: filename, errs: unjoin(err)}
	}
	return c, nil
}

// loadError is Load's error: every problem of one file.
type loadError struct {
	file string
	errs []error
}

func (e *loadError) Error() string {
	var b strings.Builder
	for i, err := range e.errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.file)
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	return b.String()
}

func (e *loadError) Unwrap() []error { return e.errs }

func unjoin(err error) []error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		return j.Unwrap()
	}
	return []error{err}
}
