// Package netdevsim is a test device with an IPsec offload "hardware", the
// counterpart of Linux's drivers/net/netdevsim (ipsec.c): `ip link add
// NAME type netdevsim`. Its driver implements the xfrm offload
// operations (state add/delete/free, offload-ok, advance-ESN,
// update-stats, policy add/delete/free, the transmit transform) with
// inspectable counters, so every rule of net/xfrm/xfrm_device.c can be
// tested as the kernel's selftests do with netdevsim. Options make the
// transform asynchronous (Config.Async) or hand the offload to the
// parallel crypto engine (Config.CryptoEngine, package xfrm/engine).
package netdevsim
