"""Private DNS: each VNet resolves through its own listener, as 168.63.129.16 does inside it."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from .helpers import ServerThread, a, delete, link, put, record_set, vnet_id, zone

PZ = "corp.internal"


def setup(server: ServerThread) -> None:
    server.resync([
        zone(PZ, private=True),
        a(PZ, "db", "10.0.0.4", private=True),
        record_set(PZ, "CNAME", "web", {"ttl": 10, "cnameRecord": {"cname": "www.contoso.com"}}, private=True),
        link(PZ, "l1", "vnet1", registration=True),
        # a private zone that shadows a public one for the linked VNet
        zone("contoso.com", private=True),
        a("contoso.com", "internal", "10.1.1.1", private=True),
        link("contoso.com", "l2", "vnet1"),
        zone("contoso.com"),
        a("contoso.com", "www", "20.0.0.1"),
        zone("fabrikam.com"),
        a("fabrikam.com", "www", "20.0.0.2"),
    ])


def ask(server: ServerThread, port: int, name: str, rtype: str = "A") -> dns.message.Message:
    return server.udp(dns.message.make_query(name, rtype), port=port)


def answers(msg: dns.message.Message) -> list[str]:
    return [rd.to_text() for r in msg.answer for rd in r]


def test_vnet_listener_appears_with_the_link(server: ServerThread) -> None:
    setup(server)
    ep = server.shell.vnet_endpoint(vnet_id("vnet1"))
    assert ep is not None and ep[1] != server.port
    names = {e[0] for e in server.shell.endpoints()}
    assert names == {"public", f"vnet:{vnet_id('vnet1')}"}
    r = ask(server, ep[1], "db.corp.internal")
    assert answers(r) == ["10.0.0.4"]
    assert r.flags & dns.flags.RA and not r.flags & dns.flags.AA


def test_private_zone_is_invisible_publicly_and_from_unlinked_vnets(server: ServerThread) -> None:
    setup(server)
    assert server.query("db.corp.internal").rcode() == dns.rcode.REFUSED
    other = server.call(lambda: server.engine.view_for_vnet(vnet_id("vnet2")))
    ep = server.run(server.shell.add_vnet(vnet_id("vnet2")))
    assert other is server.engine.view_for_vnet(vnet_id("vnet2"))
    assert ask(server, ep.port, "db.corp.internal").rcode() == dns.rcode.REFUSED
    # but public zones resolve from the unlinked VNet
    assert answers(ask(server, ep.port, "www.fabrikam.com")) == ["20.0.0.2"]


def test_linked_private_zone_owns_its_namespace(server: ServerThread) -> None:
    setup(server)
    port = server.shell.vnet_endpoint(vnet_id("vnet1"))[1]
    assert answers(ask(server, port, "internal.contoso.com")) == ["10.1.1.1"]
    r = ask(server, port, "www.contoso.com")            # public zone has it, linked private zone does not
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert answers(server.query("www.contoso.com")) == ["20.0.0.1"]   # public view unaffected
    assert answers(ask(server, port, "www.fabrikam.com")) == ["20.0.0.2"]
    assert ask(server, port, "www.example.org").rcode() == dns.rcode.REFUSED


def test_cname_from_private_to_public_zone_is_followed(server: ServerThread) -> None:
    setup(server)
    server.apply(delete(link("contoso.com", "l2", "vnet1")))
    port = server.shell.vnet_endpoint(vnet_id("vnet1"))[1]
    r = ask(server, port, "web.corp.internal")
    assert [(str(x.name), dns.rdatatype.to_text(x.rdtype)) for x in r.answer] == [
        ("web.corp.internal.", "CNAME"), ("www.contoso.com.", "A")]
    assert answers(r)[-1] == "20.0.0.1"


def test_link_removal_and_record_changes(server: ServerThread) -> None:
    setup(server)
    port = server.shell.vnet_endpoint(vnet_id("vnet1"))[1]
    assert answers(ask(server, port, "db.corp.internal")) == ["10.0.0.4"]
    server.apply(put(a(PZ, "db", "10.0.0.5", private=True)))
    assert answers(ask(server, port, "db.corp.internal")) == ["10.0.0.5"]
    server.apply(put(a(PZ, "vm2", "10.0.0.6", private=True)))
    assert answers(ask(server, port, "vm2.corp.internal")) == ["10.0.0.6"]
    server.apply(delete(a(PZ, "vm2", "x", private=True)))
    assert ask(server, port, "vm2.corp.internal").rcode() == dns.rcode.NXDOMAIN
    server.apply(delete(link(PZ, "l1", "vnet1")))
    # vnet1 still has the contoso.com link: its listener stays, the corp.internal zone is gone from it
    assert ask(server, port, "db.corp.internal").rcode() == dns.rcode.REFUSED
    server.apply(delete(link("contoso.com", "l2", "vnet1")))
    assert server.shell.vnet_endpoint(vnet_id("vnet1")) is None
    assert server.call(lambda: server.engine.linked_vnets()) == []


def test_private_zone_soa_defaults(server: ServerThread) -> None:
    server.resync([zone("p.local", private=True), link("p.local", "l", "v")])
    port = server.shell.vnet_endpoint(vnet_id("v"))[1]
    r = ask(server, port, "nothing.p.local")
    assert r.rcode() == dns.rcode.NXDOMAIN
    soa = r.authority[0]
    assert soa[0].mname.to_text() == "azureprivatedns.net." and soa.ttl == 10
