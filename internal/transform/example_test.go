package transform_test

import (
	"fmt"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/transform"
)

func ExampleLoad() {
	yaml := `name: small
source: CSAM
key: assetId
rows:
  - {source: dnsName, type: string, target: host.fqdn, normalizer: hostname}
  - {source: softwareListData.software[].fullName, type: string, target: software.name}
  - {source: softwareListData.software[].id, type: integer, target: installed_software.qualys_id}
  - {source: tagList.tag[].tagName, type: list, target: host.tag_names}
`
	c, err := transform.Load([]byte(yaml), "small.yaml", model.NewCatalog())
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, err := c.Apply([]byte(`{"assetId": 42, "dnsName": "Web-01.Example.COM.",
		"softwareListData": {"software": [{"id": -458390650433303040, "fullName": "OpenSSL 3.0.13"}]},
		"tagList": {"tag": [{"tagName": "Production"}, {"tagName": "PCI"}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.NativeKey, rec.Host["fqdn"], rec.Host["tag_names"])
	for _, sw := range rec.Lists["softwareListData.software"] {
		fmt.Println(sw[model.EntitySoftware]["name"], sw[model.EntityInstalledSoftware]["qualys_id"])
	}
	// Output:
	// 42 web-01.example.com [Production PCI]
	// OpenSSL 3.0.13 -458390650433303040
}

func ExampleLoad_errors() {
	yaml := `name: broken
source: CSAM
key: assetId
rows:
  - {source: dnsName, type: string, target: host.dns_nam}
  - {source: lastBoot, type: datetime, target: host.total_memory}
`
	_, err := transform.Load([]byte(yaml), "broken.yaml", nil)
	fmt.Println(err)
	// Output:
	// broken.yaml: row 1 (line 5): target "host.dns_nam": unknown target field (did you mean "host.dns_name"?)
	// broken.yaml: row 2 (line 6): type "datetime": cannot be written to host.total_memory, a field of type integer
}
