package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/qflow/qflow/internal/model"
)

// applyReference is a slow second implementation of Apply for tests: it
// decodes the whole record with encoding/json (UseNumber) and walks the
// compiled tree over the decoded values. It shares the conversions with
// Apply, so comparing the two checks the scanner and the walk.
func applyReference(c *Compiled, raw []byte) (*model.Record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("record is not a JSON object")
	}
	d := &decoder{c: c}
	d.rec = &model.Record{Source: c.m.Source, Host: model.Values{}, Lists: map[string][]model.Item{}}
	d.collects = make([][]string, len(c.collects))
	if err := refObject(d, c.root, obj); err != nil {
		return nil, err
	}
	if !d.keyFound {
		return nil, fmt.Errorf("%s: the record key is missing", c.keyPath)
	}
	for i, vals := range d.collects {
		if len(vals) > 0 {
			d.rec.Host[c.collects[i]] = vals
		}
	}
	return d.rec, nil
}

func refObject(d *decoder, n *node, obj map[string]any) error {
	for name, kid := range n.kids {
		if x, ok := obj[name]; ok {
			if err := refValue(d, kid, x); err != nil {
				return err
			}
		}
	}
	return nil
}

func refValue(d *decoder, n *node, x any) error {
	if x == nil {
		return nil
	}
	raw, _ := json.Marshal(x)
	switch {
	case n.elem != nil:
		arr, ok := x.([]any)
		if !ok {
			return fmt.Errorf("%s: expected a list", n.path)
		}
		if n.list.nested {
			for idx, e := range arr {
				d.nested, d.nestIdx = true, idx
				if err := refValue(d, n.elem, e); err != nil {
					return err
				}
			}
			d.nested, d.nestIdx = false, 0
			return nil
		}
		for idx, e := range arr {
			d.item, d.list, d.elemIdx = nil, n.list, idx
			d.vals = make([]model.Values, len(n.list.entities))
			if err := refValue(d, n.elem, e); err != nil {
				return err
			}
			if len(d.item) > 0 {
				d.rec.Lists[n.list.path] = append(d.rec.Lists[n.list.path], d.item)
			}
			d.item, d.list = nil, nil
		}
		return nil
	case n.kids != nil:
		obj, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object", n.path)
		}
		return refObject(d, n, obj)
	}
	var v value
	switch x := x.(type) {
	case string:
		v = value{kind: kindString, b: []byte(x)}
	case json.Number:
		v = value{kind: kindNumber, b: []byte(x)}
	case bool:
		v = value{kind: kindFalse}
		if x {
			v.kind = kindTrue
		}
	default:
		return fmt.Errorf("%s: expected a value", n.path)
	}
	if n.isKey {
		if err := d.key(n, v, raw); err != nil {
			return err
		}
	}
	for _, lf := range n.leaves {
		if err := d.write(n, lf, v, raw); err != nil {
			return err
		}
	}
	return nil
}
