# ip xfrm state: add (aead, auth+enc, auth-trunc), list, -s, get, count, delete, flush, errors.
ip xfrm state list
ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
ip xfrm state add src 198.51.100.2 dst 192.0.2.1 proto esp spi 0x1001 reqid 1 mode tunnel auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f
ip xfrm state add src 192.0.2.1 dst 198.51.100.3 proto esp spi 0x2000 mode transport auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f replay-window 32 flag esn if_id 7 mark 0x5/0xff
ip xfrm state add src 192.0.2.1 dst 198.51.100.3 proto esp spi 0x2000 mode transport auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f replay-window 32 flag esn if_id 7 mark 0x5 mask 0xff
ip xfrm state add src 192.0.2.1 dst 198.51.100.4 proto ah spi 0x3000 mode tunnel auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128
ip xfrm state add src 192.0.2.1 dst 198.51.100.5 proto esp spi 0x4000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 encap espinudp 4500 4500 0.0.0.0
ip xfrm state list
ip xfrm state
ip xfrm state show
ip -s xfrm state
ip -s -s xfrm state list spi 0x1000
ip xfrm state get src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000
ip xfrm state list src 192.0.2.1 proto ah
ip xfrm state count
ip -4 xfrm state list dst 198.51.100.2
ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
ip xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp spi 0x9000 mode tunnel aead 'rfc4106(gcm(foo))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
ip xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp spi 0x9000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102 128
ip xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
ip xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp spi 0x9000 mode tunnel
ip xfrm state add src 192.0.2.1 dst 198.51.100.9 proto esp spi 0x9000 mode bogus
ip xfrm state add src 192.0.2.1 proto esp spi 0x9000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
ip xfrm state get src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x7777
ip xfrm state delete src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000
ip xfrm state delete src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000
ip xfrm state list
ip xfrm state deleteall proto ah
ip xfrm state flush
ip xfrm state list
ip xfrm state count
ip xfrm bogus
