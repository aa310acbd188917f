package xfrm

import (
	"syscall"

	"github.com/softnet/softnet/extack"
)

var errNoType = extack.New(syscall.EPROTONOSUPPORT, "Requested type not found")

func einval(msg string) error { return extack.New(syscall.EINVAL, msg) }

// verifyConfig mirrors verify_newsa_info, verify_replay and the direction
// checks of Linux 6.10+ (xfrm_user.c), with Linux's extack messages.
func verifyConfig(c *Config) error {
	switch c.Family {
	case 4, 6:
	default:
		return einval("Invalid address family")
	}
	if c.ID.Daddr.IsValid() && familyOf(c.ID.Daddr) != c.Family {
		return einval("Invalid address family")
	}
	switch c.Selector.Family {
	case 0, 4, 6:
	default:
		return einval("Invalid address family in selector")
	}
	if err := verifyProto(c); err != nil {
		return err
	}
	if c.Mode > ModeBEET {
		return einval("Unsupported mode")
	}
	if err := verifyReplay(c); err != nil {
		return err
	}
	return verifyDir(c)
}

func familyOf(a interface{ Is4() bool }) int {
	if a.Is4() {
		return 4
	}
	return 6
}

func verifyProto(c *Config) error {
	switch c.ID.Proto {
	case ProtoAH:
		if c.Auth == nil {
			return einval("Missing required attribute for AH: AUTH_TRUNC or AUTH")
		}
		if c.AEAD != nil || c.Crypt != nil || c.Comp != nil || c.TFCPad != 0 {
			return einval("Invalid attributes for AH: AEAD, CRYPT, COMP, TFCPAD")
		}
	case ProtoESP:
		if c.Comp != nil {
			return einval("Invalid attribute for ESP: COMP")
		}
		if c.Auth == nil && c.Crypt == nil && c.AEAD == nil {
			return einval("Missing required attribute for ESP: at least one of AUTH, AUTH_TRUNC, CRYPT, AEAD")
		}
		if c.AEAD != nil && (c.Auth != nil || c.Crypt != nil) {
			return einval("Invalid attribute combination for ESP: AEAD can't be used with AUTH, AUTH_TRUNC, CRYPT")
		}
		if c.TFCPad != 0 && c.Mode != ModeTunnel {
			return einval("TFC padding can only be used in tunnel mode")
		}
	case ProtoComp:
		if c.Comp == nil {
			return einval("Missing required attribute for COMP: COMP")
		}
		if c.AEAD != nil || c.Auth != nil || c.Crypt != nil || c.TFCPad != 0 {
			return einval("Invalid attributes for COMP: AEAD, AUTH, AUTH_TRUNC, CRYPT, TFCPAD")
		}
		if c.ID.SPI >= 0x10000 {
			return einval("SPI is too large for COMP (must be < 0x10000)")
		}
	case ProtoIPIP, ProtoIPv6:
		// ipcomp_tunnel_create's state: no algorithms, tunnel mode.
		if c.AEAD != nil || c.Auth != nil || c.Crypt != nil || c.Comp != nil || c.Mode != ModeTunnel {
			return einval("Unsupported protocol")
		}
	default:
		return einval("Unsupported protocol")
	}
	return nil
}

// verifyReplay applies verify_replay and xfrm_init_replay. iproute2 sends
// windows above 32, or any window with flag esn, as an ESN replay
// attribute; the window is then bounded by its 128-word bitmap.
func verifyReplay(c *Config) error {
	esn := c.Flags&FlagESN != 0
	if c.ReplayWindow > MaxReplayWindow {
		return einval("ESN bitmap length must be <= 128")
	}
	if esn && c.ID.Proto != ProtoESP && c.ID.Proto != ProtoAH {
		return einval("ESN only supported for ESP and AH")
	}
	if esn && c.ReplayWindow == 0 {
		// xfrm_init_replay: an ESN state needs a window; no message.
		return extack.Errno(syscall.EINVAL)
	}
	if !esn && (c.Replay.SeqHi != 0 || c.Replay.OSeqHi != 0) {
		switch c.Dir {
		case DirOut:
			if c.Replay.OSeqHi != 0 {
				return einval("Replay oseq_hi should be 0 in non-ESN mode for output SA")
			}
		case DirIn:
			if c.Replay.SeqHi != 0 {
				return einval("Replay seq_hi should be 0 in non-ESN mode for input SA")
			}
		}
	}
	return nil
}

func verifyDir(c *Config) error {
	switch c.Dir {
	case DirUnspec:
	case DirOut:
		switch {
		case c.Flags&FlagDecapDSCP != 0:
			return einval("Flag DECAP_DSCP should not be set for output SA")
		case c.Flags&FlagICMP != 0:
			return einval("Flag ICMP should not be set for output SA")
		case c.Flags&FlagWildRecv != 0:
			return einval("Flag WILDRECV should not be set for output SA")
		case c.ReplayWindow != 0:
			return einval("Replay window should be 0 for output SA")
		case c.Replay.Seq != 0 || c.Replay.SeqHi != 0:
			return einval("Replay seq and seq_hi should be 0 for output SA")
		}
	case DirIn:
		switch {
		case c.Flags&FlagNoPMTUDisc != 0:
			return einval("Flag NOPMTUDISC should not be set for input SA")
		case c.ExtraFlags&ExtraDontEncapDSCP != 0:
			return einval("Flag DONT_ENCAP_DSCP should not be set for input SA")
		case c.ExtraFlags&ExtraOSeqMayWrap != 0:
			return einval("Flag OSEQ_MAY_WRAP should not be set for input SA")
		case c.Replay.OSeq != 0 || c.Replay.OSeqHi != 0:
			return einval("Replay oseq and oseq_hi should be 0 for input SA")
		}
	default:
		return einval("Invalid SA direction")
	}
	return nil
}

// attach resolves the algorithms (attach_aead, attach_auth_trunc,
// attach_auth, attach_crypt, attach_one_algo).
func (x *State) attach() error {
	c := &x.cfg
	var err error
	if c.AEAD != nil {
		if x.AlgAEAD, err = LookupAEAD(c.AEAD.Name, c.AEAD.ICVBits); err != nil {
			return err
		}
		x.ICVBits = c.AEAD.ICVBits
	}
	if c.Auth != nil {
		if x.AlgAuth, x.ICVBits, err = LookupAuth(c.Auth.Name, c.Auth.Trunc, c.Auth.TruncBits); err != nil {
			return err
		}
	}
	if c.Crypt != nil {
		if x.AlgCipher, err = LookupCipher(c.Crypt.Name); err != nil {
			return err
		}
	}
	if c.Comp != nil {
		if x.AlgComp, err = LookupComp(c.Comp.Name); err != nil {
			return err
		}
	}
	return nil
}

// BuildESPCipher builds the cached ESP cipher of x from its algorithms
// (esp_init_aead / esp_init_authenc); the esp package calls it from Init.
func (x *State) BuildESPCipher() error {
	c := &x.cfg
	if x.AlgAEAD != nil {
		a := x.AlgAEAD
		k := c.AEAD.Key
		if len(k) < a.SaltBytes || !keySizeOK(a.KeyBytes, len(k)-a.SaltBytes) {
			return errCryptoInit
		}
		n := len(k) - a.SaltBytes
		aead, err := a.newAEAD(k[:n], k[n:], c.AEAD.ICVBits/8)
		if err != nil {
			return err
		}
		x.AEAD = aead
		return nil
	}
	if x.AlgCipher == nil {
		return einval("ESP: AEAD or CRYPT must be provided")
	}
	var akey []byte
	icv := 0
	if x.AlgAuth != nil {
		akey = c.Auth.Key
		icv = x.ICVBits
	}
	ae, err := newAuthenc(x.AlgCipher, c.Crypt.Key, x.AlgAuth, akey, icv)
	if err != nil {
		return err
	}
	x.AEAD = ae
	return nil
}
