package xfrm_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/softnet/softnet/extack"
	"github.com/softnet/softnet/xfrm"
)

// TestUpdateKeepsSA: updating a VALID SA keeps its keys, replay state and
// counters and takes the new lifetimes (xfrm_state_update).
func TestUpdateKeepsSA(t *testing.T) {
	n := xfrm.NewNet(&fakeClock{t: time.Unix(1e6, 0)}, nil)
	x, err := n.AddState(gcmConfig(), false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, d := x.OutputPrepare(100); d != nil {
			t.Fatal(d)
		}
	}
	c := gcmConfig()
	c.AEAD.Key = bytes.Repeat([]byte{7}, 20)
	c.Lifetime = xfrm.DefaultLifetime()
	c.Lifetime.HardPacketLimit = 1000
	y, err := n.AddState(c, true)
	if err != nil {
		t.Fatal(err)
	}
	if y.KM() != xfrm.StateValid || x.KM() != xfrm.StateDead || n.SAD.Len() != 1 {
		t.Fatalf("states: new %v old %v len %d", y.KM(), x.KM(), n.SAD.Len())
	}
	if !bytes.Equal(y.Cfg().AEAD.Key, make([]byte, 20)) || y.Cfg().Lifetime.HardPacketLimit != 1000 {
		t.Errorf("update took the key or missed the lifetime: %+v", y.Cfg())
	}
	if lt := y.Lifetime(); lt.Packets != 3 || lt.Bytes != 300 {
		t.Errorf("counters not kept: %+v", lt)
	}
	if seq, _ := y.OutputPrepare(100); seq != 4 {
		t.Errorf("next sequence number %d, want 4", seq)
	}
	if y.IVSalt() != x.IVSalt() {
		t.Error("IV salt changed across the update")
	}
	c.Encap = &xfrm.Encap{Type: xfrm.EncapESPInUDP, Sport: 4500, Dport: 4500}
	if _, err := n.AddState(c, true); extack.ErrnoOf(err) != syscall.EINVAL {
		t.Errorf("adding encapsulation by update: %v", err)
	}
}
