"""Protocol edges of aznet's BGP speaker, with a raw BGP peer (ExaBGP's codec over a socket): who may
connect, what a bad OPEN or a malformed message gets (NOTIFICATION code/subcode), and the VPN gateway's
4000-prefix limit (Cease 6/1, the routes withdrawn)."""

from __future__ import annotations

import socket
import struct

from aznet.dataplane.bgp import codec

from .support import ONPREM_ASN, gateway_routes, speaker, vpn_site, wait_for


class RawPeer:
    def __init__(self, source: str, sp: dict, asn: int = ONPREM_ASN) -> None:  # type: ignore[type-arg]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.bind((source, 0))
        self.sock.connect((sp["address"], sp.get("listenPort", sp["port"])))
        self.peer = codec.Peer(asn, 3, source)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> tuple[int, bytes] | None:
        """The next message (type, body), or None when the speaker closed the connection."""
        while True:
            if len(self.buf) >= 19:
                length = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= length:
                    kind, body = self.buf[18], self.buf[19:length]
                    self.buf = self.buf[length:]
                    return kind, body
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def until(self, kind: int) -> bytes | None:
        while (msg := self.read()) is not None:
            if msg[0] == kind:
                return msg[1]
        return None

    def establish(self) -> None:
        opened = self.until(codec.OPEN)
        assert opened is not None
        self.peer.received_open(opened)
        self.send(self.peer.open_message())
        self.send(codec.keepalive())
        assert self.until(codec.KEEPALIVE) is not None

    def close(self) -> None:
        self.sock.close()


def test_who_may_connect_and_what_bad_messages_get(aznet, network_client, compute, rg):
    site = vpn_site(aznet, network_client, compute, rg, vm=False)
    sp = speaker(aznet, site["gw"].id)
    source = sp["neighbors"][0]["connectFrom"]
    # not a configured neighbour: closed without a word
    stranger = RawPeer("127.0.0.77", sp)
    assert stranger.read() is None
    stranger.close()
    # the wrong AS in the OPEN: NOTIFICATION 2/2 (Bad Peer AS)
    wrong = RawPeer(source, sp, asn=65099)
    assert wrong.until(codec.OPEN) is not None
    wrong.send(wrong.peer.open_message())
    note = wrong.until(codec.NOTIFICATION)
    assert note is not None and note[:2] == bytes([2, 2])
    wrong.close()
    # a message without the marker: NOTIFICATION 1/1 (connection not synchronized)
    garbled = RawPeer(source, sp)
    assert garbled.until(codec.OPEN) is not None
    garbled.send(b"\x00" * 16 + struct.pack("!HB", 19, 4))
    note = garbled.until(codec.NOTIFICATION)
    assert note is not None and note[:2] == bytes([1, 1])
    garbled.close()
    # a length beyond 4096: NOTIFICATION 1/2
    big = RawPeer(source, sp)
    big.establish()
    big.send(b"\xff" * 16 + struct.pack("!HB", 5000, 2))
    note = big.until(codec.NOTIFICATION)
    assert note is not None and note[:2] == bytes([1, 2])
    big.close()


def test_more_than_4000_prefixes_end_a_vpn_session_and_withdraw_its_routes(aznet, network_client, compute, rg):
    net = network_client
    site = vpn_site(aznet, net, compute, rg)
    sp = speaker(aznet, site["gw"].id)
    peer = RawPeer(sp["neighbors"][0]["connectFrom"], sp)
    peer.establish()
    hop = sp["neighbors"][0]["connectFrom"]
    first = [f"10.{100 + i // 256}.{i % 256}.0/24" for i in range(3000)]
    for m in peer.peer.encode_announce([(p, (ONPREM_ASN,), hop) for p in first]):
        peer.send(m)
    routes = wait_for(lambda: (r := gateway_routes(net, rg)) and len(r) == 3000 and r, timeout=30)
    assert routes["10.100.0.0/24"].next_hop_type == "VirtualNetworkGateway"
    more = [f"10.{120 + i // 256}.{i % 256}.0/24" for i in range(1001)]
    for m in peer.peer.encode_announce([(p, (ONPREM_ASN,), hop) for p in more]):
        peer.send(m)
    note = peer.until(codec.NOTIFICATION)
    assert note is not None and note[:2] == bytes([6, 1])
    peer.close()
    wait_for(lambda: not gateway_routes(net, rg), timeout=30)
