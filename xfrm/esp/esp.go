package esp

import (
	"github.com/softnet/softnet/xfrm/internal/mode"
	"syscall"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/xfrm"
)

func init() { xfrm.RegisterType(xfrm.ProtoESP, espType{}) }

type espType struct{}

// Init is esp_init_state: modes, encapsulation types, and the cipher.
func (espType) Init(x *xfrm.State) error {
	c := x.Cfg()
	switch c.Mode {
	case xfrm.ModeTransport, xfrm.ModeTunnel, xfrm.ModeBEET:
	default:
		return extack.New(syscall.EINVAL, "Invalid mode requested for ESP, must be one of TRANSPORT, TUNNEL, BEET")
	}
	if c.Encap != nil {
		switch c.Encap.Type {
		case xfrm.EncapESPInUDP, xfrm.EncapESPInUDPNonIKE:
		default:
			return extack.New(syscall.EINVAL, "Unsupported encapsulation type for ESP")
		}
	}
	if err := x.BuildESPCipher(); err != nil {
		return err
	}
	x.Data = newSA(x)
	return nil
}

const (
	gcmSpill    = 8 // tailroom a truncated GCM tag spills into
	esnShift    = 4 // headroom for the ESN AAD layout
	nonIKEBytes = 8
)

// headerLen is x->props.header_len: ESP header and IV, UDP encapsulation,
// and the outer IP header in tunnel mode.
func headerLen(x *xfrm.State) int {
	c := x.Cfg()
	n := header.ESPMinimumSize + x.AEAD.IVLen()
	if c.Encap != nil {
		n += header.UDPMinimumSize
		if c.Encap.Type == xfrm.EncapESPInUDPNonIKE {
			n += nonIKEBytes
		}
	}
	if c.Mode == xfrm.ModeTunnel {
		n += mode.OuterLen(c.Family)
	}
	return n
}

// blockSize is ESP's padding alignment: the cipher block size rounded up
// to 4 (esp_output's ALIGN(crypto_aead_blocksize, 4)).
func blockSize(x *xfrm.State) int {
	return (x.AEAD.BlockSize() + 3) &^ 3
}

// StateMTU is xfrm_state_mtu: the largest inner packet that fits in mtu.
func StateMTU(x *xfrm.State, mtu int) int {
	bs := blockSize(x)
	adj := 0
	if m := x.Cfg().Mode; m == xfrm.ModeTransport || m == xfrm.ModeBEET {
		adj = mode.OuterLen(x.Cfg().Family)
	}
	return ((mtu-headerLen(x)-x.AEAD.ICVLen()-adj)&^(bs-1) + adj - 2)
}
