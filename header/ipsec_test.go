package header

import "testing"

func TestIPsecViews(t *testing.T) {
	e := ESP(make([]byte, 8))
	e.SetSPI(0x1000)
	e.SetSeq(7)
	if !e.IsValid() || e.SPI() != 0x1000 || e.Seq() != 7 {
		t.Fatal("ESP")
	}
	a := AH(make([]byte, 24+3))
	a.SetNextHeader(IPProtoIPIP)
	a.SetHeaderLength(24)
	a.SetSPI(5)
	a.SetSeq(6)
	if !a.IsValid() || a.NextHeader() != IPProtoIPIP || a.HeaderLength() != 24 || len(a.ICV()) != 12 || len(a.Payload()) != 3 || a.SPI() != 5 || a.Seq() != 6 {
		t.Fatal("AH")
	}
	if AH(a[:23]).IsValid() || AH(a[:11]).IsValid() {
		t.Fatal("short AH accepted")
	}
	c := IPComp(make([]byte, 4))
	c.Encode(IPProtoIPv6, 0x4242)
	if !c.IsValid() || c.NextHeader() != IPProtoIPv6 || c.CPI() != 0x4242 || c.Flags() != 0 {
		t.Fatal("IPComp")
	}
}

func FuzzAH(f *testing.F) {
	f.Add([]byte{4, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		if a := AH(b); a.IsValid() {
			_, _ = a.ICV(), a.Payload()
		}
	})
}
