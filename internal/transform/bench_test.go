package transform

import (
	"testing"

	"github.com/qflow/qflow/internal/model"
)

// BenchmarkApply applies the default CSAM map to one asset with 300 software
// entries (≈0.5 MB of JSON) and the other lists at server sizes.
func BenchmarkApply(b *testing.B) {
	c := defaultCompiled(b)
	raw := bigAsset(300)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Apply(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyVMDR applies the default VMDR map to one host with 200
// detections, each joined with its KnowledgeBase entry.
func BenchmarkApplyVMDR(b *testing.B) {
	c := defaultCompiledFor(b, model.SourceVMDR)
	raw := bigVMDRHost(200)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Apply(raw); err != nil {
			b.Fatal(err)
		}
	}
}
