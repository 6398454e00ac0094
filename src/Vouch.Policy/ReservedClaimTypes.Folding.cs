namespace Vouch.Policy;

/// <content>
/// The folding table of <see cref="ReservedClaimTypes"/>. The project runs with invariant globalization,
/// where <see cref="string.Normalize()"/> leaves non-ASCII text unchanged, so the part of Unicode NFKC and
/// case folding that matters here is a table: every code point above U+007F whose NFKC form, case-folded,
/// is ASCII, with that ASCII text (fullwidth and mathematical letters, ligatures, circled and parenthesised
/// letters, superscripts, roman numerals, the Kelvin sign, long s, sharp s and the like). Reserved names are
/// ASCII, so a claim type folds onto one only through these. Generated from the Unicode 14.0.0 character
/// database (Python 3.11's <c>unicodedata</c>) by: for each code point from U+0080 to U+10FFFF but the
/// surrogates, <c>n = normalize("NFKC", c)</c>; keep <c>n.casefold()</c> when it is all ASCII, else
/// <c>normalize("NFKC", n.upper()).casefold()</c> when that is (only U+0131 dotless i and U+1D6A4). One line per entry: a code point or an inclusive
/// range <c>FIRST..LAST</c> mapped to consecutive single characters from the hex one given, or a code point
/// and the hex characters of its multi-character folding.
/// </content>
public sealed partial record ReservedClaimTypes
{
    private const string AsciiFoldingTable = """
        A0 20
        AA 61
        B2..B3 32
        B9 31
        BA 6F
        DF 73 73
        131 69
        132 69 6A
        133 69 6A
        17F 73
        1C7 6C 6A
        1C8 6C 6A
        1C9 6C 6A
        1CA 6E 6A
        1CB 6E 6A
        1CC 6E 6A
        1F1 64 7A
        1F2 64 7A
        1F3 64 7A
        2B0 68
        2B2 6A
        2B3 72
        2B7 77
        2B8 79
        2E1 6C
        2E2 73
        2E3 78
        37E 3B
        1D2C 61
        1D2E 62
        1D30..1D31 64
        1D33..1D3A 67
        1D3C 6F
        1D3E 70
        1D3F 72
        1D40..1D41 74
        1D42 77
        1D43 61
        1D47 62
        1D48..1D49 64
        1D4D 67
        1D4F 6B
        1D50 6D
        1D52 6F
        1D56 70
        1D57..1D58 74
        1D5B 76
        1D62 69
        1D63 72
        1D64..1D65 75
        1D9C 63
        1DA0 66
        1DBB 7A
        1E9E 73 73
        1FEF 60
        2000 20
        2001 20
        2002 20
        2003 20
        2004 20
        2005 20
        2006 20
        2007 20
        2008 20
        2009 20
        200A 20
        2024 2E
        2025 2E 2E
        2026 2E 2E 2E
        202F 20
        203C 21 21
        2047 3F 3F
        2048 3F 21
        2049 21 3F
        205F 20
        2070 30
        2071 69
        2074..2079 34
        207A 2B
        207C 3D
        207D..207E 28
        207F 6E
        2080..2089 30
        208A 2B
        208C 3D
        208D..208E 28
        2090 61
        2091 65
        2092 6F
        2093 78
        2095 68
        2096..2099 6B
        209A 70
        209B..209C 73
        20A8 72 73
        2100 61 2F 63
        2101 61 2F 73
        2102 63
        2105 63 2F 6F
        2106 63 2F 75
        210A..210B 67
        210C 68
        210D 68
        210E 68
        2110 69
        2111 69
        2112 6C
        2113 6C
        2115 6E
        2116 6E 6F
        2119..211B 70
        211C 72
        211D 72
        2120 73 6D
        2121 74 65 6C
        2122 74 6D
        2124 7A
        2128 7A
        212A 6B
        212C..212D 62
        212F 65
        2130..2131 65
        2133 6D
        2134 6F
        2139 69
        213B 66 61 78
        2145 64
        2146..2147 64
        2148..2149 69
        2160 69
        2161 69 69
        2162 69 69 69
        2163 69 76
        2164 76
        2165 76 69
        2166 76 69 69
        2167 76 69 69 69
        2168 69 78
        2169 78
        216A 78 69
        216B 78 69 69
        216C 6C
        216D..216E 63
        216F 6D
        2170 69
        2171 69 69
        2172 69 69 69
        2173 69 76
        2174 76
        2175 76 69
        2176 76 69 69
        2177 76 69 69 69
        2178 69 78
        2179 78
        217A 78 69
        217B 78 69 69
        217C 6C
        217D..217E 63
        217F 6D
        2460..2468 31
        2469 31 30
        246A 31 31
        246B 31 32
        246C 31 33
        246D 31 34
        246E 31 35
        246F 31 36
        2470 31 37
        2471 31 38
        2472 31 39
        2473 32 30
        2474 28 31 29
        2475 28 32 29
        2476 28 33 29
        2477 28 34 29
        2478 28 35 29
        2479 28 36 29
        247A 28 37 29
        247B 28 38 29
        247C 28 39 29
        247D 28 31 30 29
        247E 28 31 31 29
        247F 28 31 32 29
        2480 28 31 33 29
        2481 28 31 34 29
        2482 28 31 35 29
        2483 28 31 36 29
        2484 28 31 37 29
        2485 28 31 38 29
        2486 28 31 39 29
        2487 28 32 30 29
        2488 31 2E
        2489 32 2E
        248A 33 2E
        248B 34 2E
        248C 35 2E
        248D 36 2E
        248E 37 2E
        248F 38 2E
        2490 39 2E
        2491 31 30 2E
        2492 31 31 2E
        2493 31 32 2E
        2494 31 33 2E
        2495 31 34 2E
        2496 31 35 2E
        2497 31 36 2E
        2498 31 37 2E
        2499 31 38 2E
        249A 31 39 2E
        249B 32 30 2E
        249C 28 61 29
        249D 28 62 29
        249E 28 63 29
        249F 28 64 29
        24A0 28 65 29
        24A1 28 66 29
        24A2 28 67 29
        24A3 28 68 29
        24A4 28 69 29
        24A5 28 6A 29
        24A6 28 6B 29
        24A7 28 6C 29
        24A8 28 6D 29
        24A9 28 6E 29
        24AA 28 6F 29
        24AB 28 70 29
        24AC 28 71 29
        24AD 28 72 29
        24AE 28 73 29
        24AF 28 74 29
        24B0 28 75 29
        24B1 28 76 29
        24B2 28 77 29
        24B3 28 78 29
        24B4 28 79 29
        24B5 28 7A 29
        24B6..24CF 61
        24D0..24E9 61
        24EA 30
        2A74 3A 3A 3D
        2A75 3D 3D
        2A76 3D 3D 3D
        2C7C 6A
        2C7D 76
        3000 20
        3250 70 74 65
        3251 32 31
        3252 32 32
        3253 32 33
        3254 32 34
        3255 32 35
        3256 32 36
        3257 32 37
        3258 32 38
        3259 32 39
        325A 33 30
        325B 33 31
        325C 33 32
        325D 33 33
        325E 33 34
        325F 33 35
        32B1 33 36
        32B2 33 37
        32B3 33 38
        32B4 33 39
        32B5 34 30
        32B6 34 31
        32B7 34 32
        32B8 34 33
        32B9 34 34
        32BA 34 35
        32BB 34 36
        32BC 34 37
        32BD 34 38
        32BE 34 39
        32BF 35 30
        32CC 68 67
        32CD 65 72 67
        32CE 65 76
        32CF 6C 74 64
        3371 68 70 61
        3372 64 61
        3373 61 75
        3374 62 61 72
        3375 6F 76
        3376 70 63
        3377 64 6D
        3378 64 6D 32
        3379 64 6D 33
        337A 69 75
        3380 70 61
        3381 6E 61
        3383 6D 61
        3384 6B 61
        3385 6B 62
        3386 6D 62
        3387 67 62
        3388 63 61 6C
        3389 6B 63 61 6C
        338A 70 66
        338B 6E 66
        338E 6D 67
        338F 6B 67
        3390 68 7A
        3391 6B 68 7A
        3392 6D 68 7A
        3393 67 68 7A
        3394 74 68 7A
        3396 6D 6C
        3397 64 6C
        3398 6B 6C
        3399 66 6D
        339A 6E 6D
        339C 6D 6D
        339D 63 6D
        339E 6B 6D
        339F 6D 6D 32
        33A0 63 6D 32
        33A1 6D 32
        33A2 6B 6D 32
        33A3 6D 6D 33
        33A4 63 6D 33
        33A5 6D 33
        33A6 6B 6D 33
        33A9 70 61
        33AA 6B 70 61
        33AB 6D 70 61
        33AC 67 70 61
        33AD 72 61 64
        33B0 70 73
        33B1 6E 73
        33B3 6D 73
        33B4 70 76
        33B5 6E 76
        33B7 6D 76
        33B8 6B 76
        33B9 6D 76
        33BA 70 77
        33BB 6E 77
        33BD 6D 77
        33BE 6B 77
        33BF 6D 77
        33C2 61 2E 6D 2E
        33C3 62 71
        33C4 63 63
        33C5 63 64
        33C7 63 6F 2E
        33C8 64 62
        33C9 67 79
        33CA 68 61
        33CB 68 70
        33CC 69 6E
        33CD 6B 6B
        33CE 6B 6D
        33CF 6B 74
        33D0 6C 6D
        33D1 6C 6E
        33D2 6C 6F 67
        33D3 6C 78
        33D4 6D 62
        33D5 6D 69 6C
        33D6 6D 6F 6C
        33D7 70 68
        33D8 70 2E 6D 2E
        33D9 70 70 6D
        33DA 70 72
        33DB 73 72
        33DC 73 76
        33DD 77 62
        33FF 67 61 6C
        A7F2 63
        A7F3 66
        A7F4 71
        FB00 66 66
        FB01 66 69
        FB02 66 6C
        FB03 66 66 69
        FB04 66 66 6C
        FB05 73 74
        FB06 73 74
        FB29 2B
        FE10 2C
        FE13..FE14 3A
        FE15 21
        FE16 3F
        FE19 2E 2E 2E
        FE30 2E 2E
        FE33 5F
        FE34 5F
        FE35..FE36 28
        FE37 7B
        FE38 7D
        FE47 5B
        FE48 5D
        FE4D 5F
        FE4E 5F
        FE4F 5F
        FE50 2C
        FE52 2E
        FE54 3B
        FE55 3A
        FE56 3F
        FE57 21
        FE59..FE5A 28
        FE5B 7B
        FE5C 7D
        FE5F 23
        FE60 26
        FE61..FE62 2A
        FE63 2D
        FE64 3C
        FE65 3E
        FE66 3D
        FE68 5C
        FE69..FE6A 24
        FE6B 40
        FF01..FF20 21
        FF21..FF3A 61
        FF3B..FF5E 5B
        107A5 71
        1D400..1D419 61
        1D41A..1D433 61
        1D434..1D44D 61
        1D44E..1D454 61
        1D456..1D467 69
        1D468..1D481 61
        1D482..1D49B 61
        1D49C 61
        1D49E..1D49F 63
        1D4A2 67
        1D4A5..1D4A6 6A
        1D4A9..1D4AC 6E
        1D4AE..1D4B5 73
        1D4B6..1D4B9 61
        1D4BB 66
        1D4BD..1D4C3 68
        1D4C5..1D4CF 70
        1D4D0..1D4E9 61
        1D4EA..1D503 61
        1D504..1D505 61
        1D507..1D50A 64
        1D50D..1D514 6A
        1D516..1D51C 73
        1D51E..1D537 61
        1D538..1D539 61
        1D53B..1D53E 64
        1D540..1D544 69
        1D546 6F
        1D54A..1D550 73
        1D552..1D56B 61
        1D56C..1D585 61
        1D586..1D59F 61
        1D5A0..1D5B9 61
        1D5BA..1D5D3 61
        1D5D4..1D5ED 61
        1D5EE..1D607 61
        1D608..1D621 61
        1D622..1D63B 61
        1D63C..1D655 61
        1D656..1D66F 61
        1D670..1D689 61
        1D68A..1D6A3 61
        1D6A4 69
        1D7CE..1D7D7 30
        1D7D8..1D7E1 30
        1D7E2..1D7EB 30
        1D7EC..1D7F5 30
        1D7F6..1D7FF 30
        1F100 30 2E
        1F101 30 2C
        1F102 31 2C
        1F103 32 2C
        1F104 33 2C
        1F105 34 2C
        1F106 35 2C
        1F107 36 2C
        1F108 37 2C
        1F109 38 2C
        1F10A 39 2C
        1F110 28 61 29
        1F111 28 62 29
        1F112 28 63 29
        1F113 28 64 29
        1F114 28 65 29
        1F115 28 66 29
        1F116 28 67 29
        1F117 28 68 29
        1F118 28 69 29
        1F119 28 6A 29
        1F11A 28 6B 29
        1F11B 28 6C 29
        1F11C 28 6D 29
        1F11D 28 6E 29
        1F11E 28 6F 29
        1F11F 28 70 29
        1F120 28 71 29
        1F121 28 72 29
        1F122 28 73 29
        1F123 28 74 29
        1F124 28 75 29
        1F125 28 76 29
        1F126 28 77 29
        1F127 28 78 29
        1F128 28 79 29
        1F129 28 7A 29
        1F12B 63
        1F12C 72
        1F12D 63 64
        1F12E 77 7A
        1F130..1F149 61
        1F14A 68 76
        1F14B 6D 76
        1F14C 73 64
        1F14D 73 73
        1F14E 70 70 76
        1F14F 77 63
        1F16A 6D 63
        1F16B 6D 64
        1F16C 6D 72
        1F190 64 6A
        1FBF0..1FBF9 30
        """;
}
