"""Microsoft's own DRS 2.1 rules (MS-ThreatIntel-* groups), written for aznet from their documented
behaviour — Microsoft does not publish their SecLang, so these are aznet's implementation of what
each rule's documentation says it detects (Azure's "waf-rules" reference: rule id + description).

| rule id  | Azure's description                                                  | aznet detects                                                   |
|----------|----------------------------------------------------------------------|-----------------------------------------------------------------|
| 99001001 | Attempted F5 tmui (CVE-2020-5902) REST API exploitation, known creds | /tmui/ or /mgmt/tm/ path with Basic auth for user admin          |
| 99001014 | Spring Cloud routing-expression injection (CVE-2022-22963)           | a spring.cloud.function.routing-expression header                |
| 99001015 | Spring Framework unsafe class object exploitation (CVE-2022-22965)   | argument names class.module.classLoader / class.classLoader ...  |
| 99001016 | Spring Cloud Gateway Actuator injection (CVE-2022-22947)             | /actuator/gateway/routes with a SpEL #{...} in the body          |
| 99001017 | Apache Struts file upload exploitation (CVE-2023-50164)              | upload*FileName / top.*FileName argument with ../ or ..\\        |
| 99005002 | Web Shell Interaction Attempt (POST)                                 | POST args holding PHP/ASP eval/system calls on request input     |
| 99005003 | Web Shell Upload Attempt (POST) - CHOPPER PHP                        | @eval($_POST[...]) / assert($_POST[...]) in the body             |
| 99005004 | Web Shell Upload Attempt (POST) - CHOPPER ASPX                       | Jscript eval(Request.Item[...]) page directives                  |
| 99005005 | Web Shell Interaction Attempt                                        | known web shell file names (c99, r57, wso, b374k) in the path    |
| 99005006 | Spring4Shell Interaction Attempt                                     | class.module.classLoader.resources.context.parent.pipeline args  |
| 99030001 | Path Traversal Evasion in Headers (/.././)                           | /.././ or /./../ (after URL decoding) in request headers         |
| 99030002 | Path Traversal Evasion in Request Body (/.././)                      | the same in the body and its arguments                           |
| 99031001 | SQL Injection Attack: Common Injection Testing Detected              | a value that is only quotes/semicolons/comment starters          |
| 99031002 | SQL Comment Sequence Detected                                        | a quote or number followed by --, # or /* at the end of a value  |
| 99031003 | SQL Injection Attack                                                 | libinjection's SQLi verdict on arguments, cookies and JSON/XML   |
| 99031004 | Detects basic SQL authentication bypass attempts 2/3                 | quote + OR/AND + tautology (e.g. ' or 1=1, ' or 'a'='a)          |

Each scores as CRITICAL (5) in the anomaly score, like the CRS rules around them.
"""

from __future__ import annotations


def _rule(rid: int, group: str, targets: str, op: str, msg: str, transforms: str = "t:none",
          chain: str = "") -> str:
    base = (f'SecRule {targets} "{op}" "id:{rid},phase:2,block,capture,{transforms},'
            f"msg:'{msg}',logdata:'Matched Data: %{{TX.0}} found within %{{MATCHED_VAR_NAME}}',"
            f"tag:'{group}',tag:'paranoia-level/1',severity:'CRITICAL',"
            f"setvar:'tx.anomaly_score_pl1=+%{{tx.critical_anomaly_score}}'")
    if chain:
        return base + ',chain"\n    ' + chain + "\n"
    return base + '"\n'


_ARGS = "ARGS|ARGS_NAMES|REQUEST_COOKIES|REQUEST_COOKIES_NAMES|XML:/*"

MS_RULES = "".join([
    _rule(99001001, "MS-ThreatIntel-CVEs", "REQUEST_FILENAME", r"@rx (?i)^/(?:tmui|mgmt/tm)/",
          "Attempted F5 tmui (CVE-2020-5902) REST API Exploitation with known credentials",
          "t:none,t:urlDecodeUni,t:normalizePath",
          'SecRule REQUEST_HEADERS:Authorization "@rx (?i)^basic\\s+YWRtaW46" "t:none"'),
    _rule(99001014, "MS-ThreatIntel-CVEs", "REQUEST_HEADERS_NAMES",
          r"@rx (?i)^spring\.cloud\.function\.routing-expression$",
          "Attempted Spring Cloud routing-expression injection (CVE-2022-22963)"),
    _rule(99001015, "MS-ThreatIntel-CVEs", "ARGS_NAMES|REQUEST_COOKIES_NAMES",
          r"@rx (?i)(?:^|\.)class\.(?:module\.)?classloader\.",
          "Attempted Spring Framework unsafe class object exploitation (CVE-2022-22965)",
          "t:none,t:urlDecodeUni"),
    _rule(99001016, "MS-ThreatIntel-CVEs", "REQUEST_FILENAME", r"@rx (?i)/actuator/gateway/routes",
          "Attempted Spring Cloud Gateway Actuator injection (CVE-2022-22947)", "t:none,t:urlDecodeUni",
          'SecRule REQUEST_BODY|ARGS "@rx #\\{" "t:none"'),
    _rule(99001017, "MS-ThreatIntel-CVEs", "ARGS:/(?i)(?:^|\\.)upload\\w*filename$/", r"@rx \.\.[/\x5c]",
          "Attempted Apache Struts file upload exploitation (CVE-2023-50164)", "t:none,t:urlDecodeUni"),
    _rule(99005002, "MS-ThreatIntel-WebShells", "ARGS",
          r"@rx (?i)\b(?:eval|assert|system|passthru|shell_exec|popen|proc_open)\s*\(\s*(?:base64_decode\s*\(\s*)?\$_(?:POST|GET|REQUEST|COOKIE)",
          "Web Shell Interaction Attempt (POST)", "t:none,t:urlDecodeUni",
          'SecRule REQUEST_METHOD "@streq POST" "t:none"'),
    _rule(99005003, "MS-ThreatIntel-WebShells", "REQUEST_BODY|ARGS|FILES_TMP_CONTENT",
          r"@rx (?i)<\?php\s*@?(?:eval|assert)\s*\(\s*\$_(?:POST|REQUEST)\s*\[",
          "Web Shell Upload Attempt (POST) - CHOPPER PHP", "t:none,t:urlDecodeUni"),
    _rule(99005004, "MS-ThreatIntel-WebShells", "REQUEST_BODY|ARGS|FILES_TMP_CONTENT",
          r"@rx (?i)<%@\s*page\s+language\s*=\s*\"?jscript\"?\s*%>\s*<%\s*eval\s*\(\s*request\.item\s*\[",
          "Web Shell Upload Attempt (POST) - CHOPPER ASPX", "t:none,t:urlDecodeUni"),
    _rule(99005005, "MS-ThreatIntel-WebShells", "REQUEST_BASENAME",
          r"@rx (?i)^(?:c99|r57|wso|b374k|c100|shell|cmd|alfa|indoxploit)(?:shell)?\.(?:php\d?|phtml|aspx?|jsp)$",
          "Web Shell Interaction Attempt", "t:none,t:urlDecodeUni"),
    _rule(99005006, "MS-ThreatIntel-WebShells", "ARGS_NAMES|REQUEST_BODY",
          r"@rx (?i)class\.module\.classloader\.resources\.context\.parent\.pipeline",
          "Spring4Shell Interaction Attempt", "t:none,t:urlDecodeUni"),
    _rule(99030001, "MS-ThreatIntel-AppSec", "REQUEST_HEADERS", r"@rx (?:/\.\./\./|/\./\.\./|\x5c\.\.\x5c\.\x5c)",
          "Path Traversal Evasion in Headers (/.././)", "t:none,t:urlDecodeUni"),
    _rule(99030002, "MS-ThreatIntel-AppSec", "REQUEST_BODY|ARGS", r"@rx (?:/\.\./\./|/\./\.\./|\x5c\.\.\x5c\.\x5c)",
          "Path Traversal Evasion in Request Body (/.././)", "t:none,t:urlDecodeUni"),
    _rule(99031001, "MS-ThreatIntel-SQLI", "ARGS", r"@rx ^\s*(?:'|\"|`|;|\)|--|#|/\*|'\s*--|'\s*#)+\s*$",
          "SQL Injection Attack: Common Injection Testing Detected", "t:none,t:urlDecodeUni"),
    _rule(99031002, "MS-ThreatIntel-SQLI", "ARGS|REQUEST_COOKIES",
          r"@rx (?:['\"`]|\b\d+)\s*\)?\s*(?:--[\s\x00]*$|#[^\n]*$|/\*)",
          "SQL Comment Sequence Detected", "t:none,t:urlDecodeUni"),
    _rule(99031003, "MS-ThreatIntel-SQLI", _ARGS, "@detectSQLi", "SQL Injection Attack",
          "t:none,t:urlDecodeUni,t:removeNulls"),
    _rule(99031004, "MS-ThreatIntel-SQLI", "ARGS|REQUEST_COOKIES",
          r"@rx (?i)['\"`]\s*\)?\s*(?:or|and|\|\||&&)\s*\(?\s*(?:['\"`]?\w*['\"`]?\s*(?:=|like|<>|!=)\s*['\"`]?\w*|\d+\s*(?:=|>|<)|true|1\b)",
          "Detects basic SQL authentication bypass attempts 2/3", "t:none,t:urlDecodeUni"),
])
