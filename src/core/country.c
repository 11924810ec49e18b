/* country.c -- ISO 3166-1 alpha-2 table and ITU-T E.164 country calling codes.
 *
 * The static data sets here:
 *
 *  - countries[]: every officially assigned ISO 3166-1 alpha-2 code (249),
 *    sorted by code so country_by_iso() can binary search it.  Each entry
 *    carries the E.164 calling code used to reach that country or
 *    territory; all NANP members share 1, Russia and Kazakhstan share 7.
 *    Territories without any telephone service of their own (BV, HM, TF)
 *    have 0.
 *
 *  - assigned_codes[]: every assigned ITU-T country calling code,
 *    including the non-geographic ones (international freephone, shared
 *    cost, Inmarsat, GMSS, international networks, ...), sorted
 *    numerically.  Calling codes never start with 0, so a code's value
 *    alone tells its length (1-9: one digit, 10-99: two, 100-999: three).
 *
 *  - cc_owner[] and nanp_owner[]: which countries[] entry a number
 *    belongs to, by calling code and, within the NANP, by area code;
 *    used by country_of_number().
 */
#include "core/country.h"

#include <string.h>

static const country_t countries[] = {
    { "AD", "ANDORRA", 376 },
    { "AE", "UNITED ARAB EMIRATES", 971 },
    { "AF", "AFGHANISTAN", 93 },
    { "AG", "ANTIGUA AND BARBUDA", 1 },
    { "AI", "ANGUILLA", 1 },
    { "AL", "ALBANIA", 355 },
    { "AM", "ARMENIA", 374 },
    { "AO", "ANGOLA", 244 },
    { "AQ", "ANTARCTICA", 672 },
    { "AR", "ARGENTINA", 54 },
    { "AS", "AMERICAN SAMOA", 1 },
    { "AT", "AUSTRIA", 43 },
    { "AU", "AUSTRALIA", 61 },
    { "AW", "ARUBA", 297 },
    { "AX", "ALAND ISLANDS", 358 },
    { "AZ", "AZERBAIJAN", 994 },
    { "BA", "BOSNIA AND HERZEGOVINA", 387 },
    { "BB", "BARBADOS", 1 },
    { "BD", "BANGLADESH", 880 },
    { "BE", "BELGIUM", 32 },
    { "BF", "BURKINA FASO", 226 },
    { "BG", "BULGARIA", 359 },
    { "BH", "BAHRAIN", 973 },
    { "BI", "BURUNDI", 257 },
    { "BJ", "BENIN", 229 },
    { "BL", "SAINT BARTHELEMY", 590 },
    { "BM", "BERMUDA", 1 },
    { "BN", "BRUNEI DARUSSALAM", 673 },
    { "BO", "BOLIVIA, PLURINATIONAL STATE OF", 591 },
    { "BQ", "BONAIRE, SINT EUSTATIUS AND SABA", 599 },
    { "BR", "BRAZIL", 55 },
    { "BS", "BAHAMAS", 1 },
    { "BT", "BHUTAN", 975 },
    { "BV", "BOUVET ISLAND", 0 },
    { "BW", "BOTSWANA", 267 },
    { "BY", "BELARUS", 375 },
    { "BZ", "BELIZE", 501 },
    { "CA", "CANADA", 1 },
    { "CC", "COCOS (KEELING) ISLANDS", 61 },
    { "CD", "CONGO, THE DEMOCRATIC REPUBLIC OF THE", 243 },
    { "CF", "CENTRAL AFRICAN REPUBLIC", 236 },
    { "CG", "CONGO", 242 },
    { "CH", "SWITZERLAND", 41 },
    { "CI", "COTE D'IVOIRE", 225 },
    { "CK", "COOK ISLANDS", 682 },
    { "CL", "CHILE", 56 },
    { "CM", "CAMEROON", 237 },
    { "CN", "CHINA", 86 },
    { "CO", "COLOMBIA", 57 },
    { "CR", "COSTA RICA", 506 },
    { "CU", "CUBA", 53 },
    { "CV", "CABO VERDE", 238 },
    { "CW", "CURACAO", 599 },
    { "CX", "CHRISTMAS ISLAND", 61 },
    { "CY", "CYPRUS", 357 },
    { "CZ", "CZECHIA", 420 },
    { "DE", "GERMANY", 49 },
    { "DJ", "DJIBOUTI", 253 },
    { "DK", "DENMARK", 45 },
    { "DM", "DOMINICA", 1 },
    { "DO", "DOMINICAN REPUBLIC", 1 },
    { "DZ", "ALGERIA", 213 },
    { "EC", "ECUADOR", 593 },
    { "EE", "ESTONIA", 372 },
    { "EG", "EGYPT", 20 },
    { "EH", "WESTERN SAHARA", 212 },
    { "ER", "ERITREA", 291 },
    { "ES", "SPAIN", 34 },
    { "ET", "ETHIOPIA", 251 },
    { "FI", "FINLAND", 358 },
    { "FJ", "FIJI", 679 },
    { "FK", "FALKLAND ISLANDS (MALVINAS)", 500 },
    { "FM", "MICRONESIA, FEDERATED STATES OF", 691 },
    { "FO", "FAROE ISLANDS", 298 },
    { "FR", "FRANCE", 33 },
    { "GA", "GABON", 241 },
    { "GB", "UNITED KINGDOM", 44 },
    { "GD", "GRENADA", 1 },
    { "GE", "GEORGIA", 995 },
    { "GF", "FRENCH GUIANA", 594 },
    { "GG", "GUERNSEY", 44 },
    { "GH", "GHANA", 233 },
    { "GI", "GIBRALTAR", 350 },
    { "GL", "GREENLAND", 299 },
    { "GM", "GAMBIA", 220 },
    { "GN", "GUINEA", 224 },
    { "GP", "GUADELOUPE", 590 },
    { "GQ", "EQUATORIAL GUINEA", 240 },
    { "GR", "GREECE", 30 },
    { "GS", "SOUTH GEORGIA AND THE SOUTH SANDWICH ISLANDS", 500 },
    { "GT", "GUATEMALA", 502 },
    { "GU", "GUAM", 1 },
    { "GW", "GUINEA-BISSAU", 245 },
    { "GY", "GUYANA", 592 },
    { "HK", "HONG KONG", 852 },
    { "HM", "HEARD ISLAND AND MCDONALD ISLANDS", 0 },
    { "HN", "HONDURAS", 504 },
    { "HR", "CROATIA", 385 },
    { "HT", "HAITI", 509 },
    { "HU", "HUNGARY", 36 },
    { "ID", "INDONESIA", 62 },
    { "IE", "IRELAND", 353 },
    { "IL", "ISRAEL", 972 },
    { "IM", "ISLE OF MAN", 44 },
    { "IN", "INDIA", 91 },
    { "IO", "BRITISH INDIAN OCEAN TERRITORY", 246 },
    { "IQ", "IRAQ", 964 },
    { "IR", "IRAN, ISLAMIC REPUBLIC OF", 98 },
    { "IS", "ICELAND", 354 },
    { "IT", "ITALY", 39 },
    { "JE", "JERSEY", 44 },
    { "JM", "JAMAICA", 1 },
    { "JO", "JORDAN", 962 },
    { "JP", "JAPAN", 81 },
    { "KE", "KENYA", 254 },
    { "KG", "KYRGYZSTAN", 996 },
    { "KH", "CAMBODIA", 855 },
    { "KI", "KIRIBATI", 686 },
    { "KM", "COMOROS", 269 },
    { "KN", "SAINT KITTS AND NEVIS", 1 },
    { "KP", "KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF", 850 },
    { "KR", "KOREA, REPUBLIC OF", 82 },
    { "KW", "KUWAIT", 965 },
    { "KY", "CAYMAN ISLANDS", 1 },
    { "KZ", "KAZAKHSTAN", 7 },
    { "LA", "LAO PEOPLE'S DEMOCRATIC REPUBLIC", 856 },
    { "LB", "LEBANON", 961 },
    { "LC", "SAINT LUCIA", 1 },
    { "LI", "LIECHTENSTEIN", 423 },
    { "LK", "SRI LANKA", 94 },
    { "LR", "LIBERIA", 231 },
    { "LS", "LESOTHO", 266 },
    { "LT", "LITHUANIA", 370 },
    { "LU", "LUXEMBOURG", 352 },
    { "LV", "LATVIA", 371 },
    { "LY", "LIBYA", 218 },
    { "MA", "MOROCCO", 212 },
    { "MC", "MONACO", 377 },
    { "MD", "MOLDOVA, REPUBLIC OF", 373 },
    { "ME", "MONTENEGRO", 382 },
    { "MF", "SAINT MARTIN (FRENCH PART)", 590 },
    { "MG", "MADAGASCAR", 261 },
    { "MH", "MARSHALL ISLANDS", 692 },
    { "MK", "NORTH MACEDONIA", 389 },
    { "ML", "MALI", 223 },
    { "MM", "MYANMAR", 95 },
    { "MN", "MONGOLIA", 976 },
    { "MO", "MACAO", 853 },
    { "MP", "NORTHERN MARIANA ISLANDS", 1 },
    { "MQ", "MARTINIQUE", 596 },
    { "MR", "MAURITANIA", 222 },
    { "MS", "MONTSERRAT", 1 },
    { "MT", "MALTA", 356 },
    { "MU", "MAURITIUS", 230 },
    { "MV", "MALDIVES", 960 },
    { "MW", "MALAWI", 265 },
    { "MX", "MEXICO", 52 },
    { "MY", "MALAYSIA", 60 },
    { "MZ", "MOZAMBIQUE", 258 },
    { "NA", "NAMIBIA", 264 },
    { "NC", "NEW CALEDONIA", 687 },
    { "NE", "NIGER", 227 },
    { "NF", "NORFOLK ISLAND", 672 },
    { "NG", "NIGERIA", 234 },
    { "NI", "NICARAGUA", 505 },
    { "NL", "NETHERLANDS", 31 },
    { "NO", "NORWAY", 47 },
    { "NP", "NEPAL", 977 },
    { "NR", "NAURU", 674 },
    { "NU", "NIUE", 683 },
    { "NZ", "NEW ZEALAND", 64 },
    { "OM", "OMAN", 968 },
    { "PA", "PANAMA", 507 },
    { "PE", "PERU", 51 },
    { "PF", "FRENCH POLYNESIA", 689 },
    { "PG", "PAPUA NEW GUINEA", 675 },
    { "PH", "PHILIPPINES", 63 },
    { "PK", "PAKISTAN", 92 },
    { "PL", "POLAND", 48 },
    { "PM", "SAINT PIERRE AND MIQUELON", 508 },
    { "PN", "PITCAIRN", 64 },
    { "PR", "PUERTO RICO", 1 },
    { "PS", "PALESTINE, STATE OF", 970 },
    { "PT", "PORTUGAL", 351 },
    { "PW", "PALAU", 680 },
    { "PY", "PARAGUAY", 595 },
    { "QA", "QATAR", 974 },
    { "RE", "REUNION", 262 },
    { "RO", "ROMANIA", 40 },
    { "RS", "SERBIA", 381 },
    { "RU", "RUSSIAN FEDERATION", 7 },
    { "RW", "RWANDA", 250 },
    { "SA", "SAUDI ARABIA", 966 },
    { "SB", "SOLOMON ISLANDS", 677 },
    { "SC", "SEYCHELLES", 248 },
    { "SD", "SUDAN", 249 },
    { "SE", "SWEDEN", 46 },
    { "SG", "SINGAPORE", 65 },
    { "SH", "SAINT HELENA, ASCENSION AND TRISTAN DA CUNHA", 290 },
    { "SI", "SLOVENIA", 386 },
    { "SJ", "SVALBARD AND JAN MAYEN", 47 },
    { "SK", "SLOVAKIA", 421 },
    { "SL", "SIERRA LEONE", 232 },
    { "SM", "SAN MARINO", 378 },
    { "SN", "SENEGAL", 221 },
    { "SO", "SOMALIA", 252 },
    { "SR", "SURINAME", 597 },
    { "SS", "SOUTH SUDAN", 211 },
    { "ST", "SAO TOME AND PRINCIPE", 239 },
    { "SV", "EL SALVADOR", 503 },
    { "SX", "SINT MAARTEN (DUTCH PART)", 1 },
    { "SY", "SYRIAN ARAB REPUBLIC", 963 },
    { "SZ", "ESWATINI", 268 },
    { "TC", "TURKS AND CAICOS ISLANDS", 1 },
    { "TD", "CHAD", 235 },
    { "TF", "FRENCH SOUTHERN TERRITORIES", 0 },
    { "TG", "TOGO", 228 },
    { "TH", "THAILAND", 66 },
    { "TJ", "TAJIKISTAN", 992 },
    { "TK", "TOKELAU", 690 },
    { "TL", "TIMOR-LESTE", 670 },
    { "TM", "TURKMENISTAN", 993 },
    { "TN", "TUNISIA", 216 },
    { "TO", "TONGA", 676 },
    { "TR", "TURKIYE", 90 },
    { "TT", "TRINIDAD AND TOBAGO", 1 },
    { "TV", "TUVALU", 688 },
    { "TW", "TAIWAN", 886 },
    { "TZ", "TANZANIA, UNITED REPUBLIC OF", 255 },
    { "UA", "UKRAINE", 380 },
    { "UG", "UGANDA", 256 },
    { "UM", "UNITED STATES MINOR OUTLYING ISLANDS", 1 },
    { "US", "UNITED STATES", 1 },
    { "UY", "URUGUAY", 598 },
    { "UZ", "UZBEKISTAN", 998 },
    { "VA", "HOLY SEE (VATICAN CITY STATE)", 39 },
    { "VC", "SAINT VINCENT AND THE GRENADINES", 1 },
    { "VE", "VENEZUELA, BOLIVARIAN REPUBLIC OF", 58 },
    { "VG", "VIRGIN ISLANDS, BRITISH", 1 },
    { "VI", "VIRGIN ISLANDS, U.S.", 1 },
    { "VN", "VIET NAM", 84 },
    { "VU", "VANUATU", 678 },
    { "WF", "WALLIS AND FUTUNA", 681 },
    { "WS", "SAMOA", 685 },
    { "YE", "YEMEN", 967 },
    { "YT", "MAYOTTE", 262 },
    { "ZA", "SOUTH AFRICA", 27 },
    { "ZM", "ZAMBIA", 260 },
    { "ZW", "ZIMBABWE", 263 },
};

/* Assigned ITU-T E.164 country calling codes, ascending.  One line per
 * leading digit group; spare codes are simply absent. */
static const unsigned short assigned_codes[] = {
    /* one digit: NANP and Russia/Kazakhstan */
    1, 7,
    /* two digits */
    20, 27, 30, 31, 32, 33, 34, 36, 39,
    40, 41, 43, 44, 45, 46, 47, 48, 49,
    51, 52, 53, 54, 55, 56, 57, 58,
    60, 61, 62, 63, 64, 65, 66,
    81, 82, 84, 86,
    90, 91, 92, 93, 94, 95, 98,
    /* 2xx (210, 214, 215, 217, 219, 259, 28x, 292-296 spare) */
    211, 212, 213, 216, 218,
    220, 221, 222, 223, 224, 225, 226, 227, 228, 229,
    230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
    240, 241, 242, 243, 244, 245, 246, 247, 248, 249,
    250, 251, 252, 253, 254, 255, 256, 257, 258,
    260, 261, 262, 263, 264, 265, 266, 267, 268, 269,
    290, 291, 297, 298, 299,
    /* 3xx (384, 388 spare; 379 is reserved for Vatican City State) */
    350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
    370, 371, 372, 373, 374, 375, 376, 377, 378, 379,
    380, 381, 382, 383, 385, 386, 387, 389,
    /* 4xx (422, 424-429 spare) */
    420, 421, 423,
    /* 5xx */
    500, 501, 502, 503, 504, 505, 506, 507, 508, 509,
    590, 591, 592, 593, 594, 595, 596, 597, 598, 599,
    /* 6xx (671, 684, 693-699 spare) */
    670, 672, 673, 674, 675, 676, 677, 678, 679,
    680, 681, 682, 683, 685, 686, 687, 688, 689,
    690, 691, 692,
    /* 8xx: 800 freephone, 808 shared cost, 870 Inmarsat, 878 UPT,
     * 881 GMSS, 882/883 international networks, 888 OCHA */
    800, 808,
    850, 852, 853, 855, 856,
    870, 878,
    880, 881, 882, 883, 886, 888,
    /* 9xx: 979 international premium rate, 991 ITPCS trial,
     * 997 reserved for Kazakhstan (969, 978, 990, 999 spare) */
    960, 961, 962, 963, 964, 965, 966, 967, 968,
    970, 971, 972, 973, 974, 975, 976, 977, 979,
    991, 992, 993, 994, 995, 996, 997, 998,
};

/* ---- number -> country ------------------------------------------------ */

/* Owner of each calling code other than 1 and 7 (which country_of_number()
 * splits by the digits that follow), indexed by the code itself.  An empty
 * slot is a code of no country: spare, non-geographic (800, 808, 870, 878,
 * 881-883, 888, 979, 991) or used by no ISO entry (383, Kosovo).
 *
 * Designated initializers make the order irrelevant, and GCC's
 * -Woverride-init (in -Wextra) / clang's -Winitializer-overrides reject a
 * code listed twice.  The test suite checks every countries[] entry against
 * this table, so the two cannot drift apart silently. */
static const char cc_owner[1000][3] = {
    /* Codes shared by several ISO entries: the principal one, chosen
     * explicitly (the others are reached only through the shared code). */
    [39]  = "IT", /* Italy; Holy See (VA) uses 39 06 698 */
    [44]  = "GB", /* United Kingdom; Guernsey, Jersey, Isle of Man */
    [47]  = "NO", /* Norway; Svalbard and Jan Mayen (SJ) */
    [61]  = "AU", /* Australia; Christmas Island (CX), Cocos (CC) */
    [64]  = "NZ", /* New Zealand; Pitcairn (PN) */
    [212] = "MA", /* Morocco; Western Sahara (EH) */
    [262] = "RE", /* Reunion; Mayotte (YT) */
    [358] = "FI", /* Finland; Aland Islands (AX) */
    [500] = "FK", /* Falkland Islands; South Georgia (GS) */
    [590] = "GP", /* Guadeloupe; Saint Barthelemy (BL), Saint Martin (MF) */
    [599] = "CW", /* Curacao; Bonaire, Sint Eustatius and Saba (BQ) */
    [672] = "NF", /* Norfolk Island; Antarctica (AQ: Australian bases) */

    /* Codes ITU-T assigned to a place inside one ISO entry but carried by
     * no countries[] entry. */
    [247] = "SH", /* Ascension Island, part of SH */
    [379] = "VA", /* reserved for the Vatican City State (uses 39 today) */
    [997] = "KZ", /* reserved for Kazakhstan (uses 7 today) */

    /* Codes of exactly one ISO entry. */
    [20] = "EG", [27] = "ZA", [30] = "GR", [31] = "NL", [32] = "BE",
    [33] = "FR", [34] = "ES", [36] = "HU", [40] = "RO", [41] = "CH",
    [43] = "AT", [45] = "DK", [46] = "SE", [48] = "PL", [49] = "DE",
    [51] = "PE", [52] = "MX", [53] = "CU", [54] = "AR", [55] = "BR",
    [56] = "CL", [57] = "CO", [58] = "VE", [60] = "MY", [62] = "ID",
    [63] = "PH", [65] = "SG", [66] = "TH", [81] = "JP", [82] = "KR",
    [84] = "VN", [86] = "CN", [90] = "TR", [91] = "IN", [92] = "PK",
    [93] = "AF", [94] = "LK", [95] = "MM", [98] = "IR",

    [211] = "SS", [213] = "DZ", [216] = "TN", [218] = "LY", [220] = "GM",
    [221] = "SN", [222] = "MR", [223] = "ML", [224] = "GN", [225] = "CI",
    [226] = "BF", [227] = "NE", [228] = "TG", [229] = "BJ", [230] = "MU",
    [231] = "LR", [232] = "SL", [233] = "GH", [234] = "NG", [235] = "TD",
    [236] = "CF", [237] = "CM", [238] = "CV", [239] = "ST", [240] = "GQ",
    [241] = "GA", [242] = "CG", [243] = "CD", [244] = "AO", [245] = "GW",
    [246] = "IO", [248] = "SC", [249] = "SD", [250] = "RW", [251] = "ET",
    [252] = "SO", [253] = "DJ", [254] = "KE", [255] = "TZ", [256] = "UG",
    [257] = "BI", [258] = "MZ", [260] = "ZM", [261] = "MG", [263] = "ZW",
    [264] = "NA", [265] = "MW", [266] = "LS", [267] = "BW", [268] = "SZ",
    [269] = "KM", [290] = "SH", [291] = "ER", [297] = "AW", [298] = "FO",
    [299] = "GL",

    [350] = "GI", [351] = "PT", [352] = "LU", [353] = "IE", [354] = "IS",
    [355] = "AL", [356] = "MT", [357] = "CY", [359] = "BG", [370] = "LT",
    [371] = "LV", [372] = "EE", [373] = "MD", [374] = "AM", [375] = "BY",
    [376] = "AD", [377] = "MC", [378] = "SM", [380] = "UA", [381] = "RS",
    [382] = "ME", [385] = "HR", [386] = "SI", [387] = "BA", [389] = "MK",

    [420] = "CZ", [421] = "SK", [423] = "LI",

    [501] = "BZ", [502] = "GT", [503] = "SV", [504] = "HN", [505] = "NI",
    [506] = "CR", [507] = "PA", [508] = "PM", [509] = "HT", [591] = "BO",
    [592] = "GY", [593] = "EC", [594] = "GF", [595] = "PY", [596] = "MQ",
    [597] = "SR", [598] = "UY",

    [670] = "TL", [673] = "BN", [674] = "NR", [675] = "PG", [676] = "TO",
    [677] = "SB", [678] = "VU", [679] = "FJ", [680] = "PW", [681] = "WF",
    [682] = "CK", [683] = "NU", [685] = "WS", [686] = "KI", [687] = "NC",
    [688] = "TV", [689] = "PF", [690] = "TK", [691] = "FM", [692] = "MH",

    [850] = "KP", [852] = "HK", [853] = "MO", [855] = "KH", [856] = "LA",
    [880] = "BD", [886] = "TW",

    [960] = "MV", [961] = "LB", [962] = "JO", [963] = "SY", [964] = "IQ",
    [965] = "KW", [966] = "SA", [967] = "YE", [968] = "OM", [970] = "PS",
    [971] = "AE", [972] = "IL", [973] = "BH", [974] = "QA", [975] = "BT",
    [976] = "MN", [977] = "NP", [992] = "TJ", [993] = "TM", [994] = "AZ",
    [995] = "GE", [996] = "KG", [998] = "UZ",
};

/* NANP area codes (NPAs) that are not the United States, indexed by NPA;
 * every NPA left empty -- including toll-free 8YY, premium 900, personal
 * communications 5XX and government 710 -- is the US.  Same duplicate
 * protection as cc_owner[].  UM (US Minor Outlying Islands) has no NPA of
 * its own. */
static const char nanp_owner[1000][3] = {
    /* Canada, geographic: in service, and assigned/set aside for relief. */
    /* British Columbia */
    [236] = "CA", [250] = "CA", [257] = "CA", [604] = "CA", [672] = "CA",
    [778] = "CA",
    /* Alberta */
    [368] = "CA", [403] = "CA", [587] = "CA", [780] = "CA", [825] = "CA",
    /* Saskatchewan */
    [306] = "CA", [474] = "CA", [639] = "CA",
    /* Manitoba */
    [204] = "CA", [431] = "CA", [584] = "CA",
    /* Ontario */
    [226] = "CA", [249] = "CA", [289] = "CA", [343] = "CA", [365] = "CA",
    [382] = "CA", [387] = "CA", [416] = "CA", [437] = "CA", [519] = "CA",
    [548] = "CA", [613] = "CA", [647] = "CA", [683] = "CA", [705] = "CA",
    [742] = "CA", [753] = "CA", [807] = "CA", [905] = "CA", [942] = "CA",
    /* Quebec */
    [263] = "CA", [273] = "CA", [354] = "CA", [367] = "CA", [418] = "CA",
    [438] = "CA", [450] = "CA", [460] = "CA", [468] = "CA", [514] = "CA",
    [579] = "CA", [581] = "CA", [819] = "CA", [873] = "CA",
    /* New Brunswick; Nova Scotia and PEI; Newfoundland and Labrador */
    [428] = "CA", [506] = "CA", [782] = "CA", [902] = "CA", [709] = "CA",
    [879] = "CA",
    /* Yukon, Northwest Territories, Nunavut */
    [867] = "CA",
    /* Canada, non-geographic: 600, and the 6YY codes reserved for it
     * (CRTC Telecom Decision 2015-4). */
    [600] = "CA", [622] = "CA", [633] = "CA", [644] = "CA", [655] = "CA",
    [677] = "CA", [688] = "CA",

    /* Caribbean and Pacific members. */
    [242] = "BS", /* Bahamas */
    [246] = "BB", /* Barbados */
    [264] = "AI", /* Anguilla */
    [268] = "AG", /* Antigua and Barbuda */
    [284] = "VG", /* British Virgin Islands */
    [340] = "VI", /* US Virgin Islands */
    [345] = "KY", /* Cayman Islands */
    [441] = "BM", /* Bermuda */
    [473] = "GD", /* Grenada */
    [649] = "TC", /* Turks and Caicos Islands */
    [658] = "JM", [876] = "JM", /* Jamaica */
    [664] = "MS", /* Montserrat */
    [670] = "MP", /* Northern Mariana Islands */
    [671] = "GU", /* Guam */
    [684] = "AS", /* American Samoa */
    [721] = "SX", /* Sint Maarten */
    [758] = "LC", /* Saint Lucia */
    [767] = "DM", /* Dominica */
    [784] = "VC", /* Saint Vincent and the Grenadines */
    [787] = "PR", [939] = "PR", /* Puerto Rico */
    [809] = "DO", [829] = "DO", [849] = "DO", /* Dominican Republic */
    [868] = "TT", /* Trinidad and Tobago */
    [869] = "KN", /* Saint Kitts and Nevis */
};

/* digits[1..3] as an NPA, or -1 if they are not three digits. */
static int nanp_npa(const char *digits)
{
    int npa = 0;
    for (int i = 1; i <= 3; i++) {
        unsigned char c = (unsigned char)digits[i];
        if (!nd_isdigit(c))
            return -1;
        npa = npa * 10 + (c - '0');
    }
    return npa;
}

static bool code_assigned(unsigned code)
{
    size_t lo = 0, hi = ND_ARRAY_LEN(assigned_codes);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        unsigned v = assigned_codes[mid];
        if (v == code)
            return true;
        if (v < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

int country_by_iso(const char *iso, const country_t **out)
{
    if (iso == NULL || !nd_isalpha((unsigned char)iso[0]) ||
        !nd_isalpha((unsigned char)iso[1]) || iso[2] != '\0')
        return C_ERR;

    char key[3] = {
        (char)nd_toupper((unsigned char)iso[0]),
        (char)nd_toupper((unsigned char)iso[1]),
        '\0',
    };

    size_t lo = 0, hi = ND_ARRAY_LEN(countries);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(countries[mid].iso, key);
        if (c == 0) {
            if (out != NULL)
                *out = &countries[mid];
            return C_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return C_ERR;
}

int country_calling_code(const char *digits, size_t n, unsigned *cc, size_t *cc_len)
{
    if (digits == NULL)
        return C_ERR;

    /* Codes are prefix-free and at most three digits long: grow the
     * prefix one digit at a time and stop at the first assigned code. */
    unsigned code = 0;
    for (size_t len = 1; len <= 3 && len <= n; len++) {
        unsigned char c = (unsigned char)digits[len - 1];
        if (!nd_isdigit(c))
            return C_ERR;
        code = code * 10 + (unsigned)(c - '0');
        if (code == 0)
            return C_ERR; /* no code starts with 0 */
        if (code_assigned(code)) {
            if (cc != NULL)
                *cc = code;
            if (cc_len != NULL)
                *cc_len = len;
            return C_OK;
        }
    }
    return C_ERR;
}

int country_of_number(const char *digits, const country_t **out)
{
    if (digits == NULL)
        return C_ERR;

    unsigned cc = 0;
    size_t cc_len = 0;
    if (country_calling_code(digits, strlen(digits), &cc, &cc_len) != C_OK)
        return C_ERR;

    const char *iso;
    if (cc == 1) {
        int npa = nanp_npa(digits); /* stops at the NUL of a short string */
        if (npa < 0)
            return C_ERR;
        iso = nanp_owner[npa][0] != '\0' ? nanp_owner[npa] : "US";
    } else if (cc == 7) {
        iso = (digits[1] == '6' || digits[1] == '7') ? "KZ" : "RU";
    } else {
        iso = cc_owner[cc]; /* cc < 1000: at most three digits */
    }
    if (iso[0] == '\0')
        return C_ERR;
    return country_by_iso(iso, out);
}

bool country_nanp_tollfree(const char *digits)
{
    if (digits == NULL || digits[0] != '1')
        return false;
    switch (nanp_npa(digits)) {
    case 800: case 833: case 844: case 855: case 866: case 877: case 888:
        return true;
    default:
        return false;
    }
}

size_t country_count(void)
{
    return ND_ARRAY_LEN(countries);
}

const country_t *country_at(size_t i)
{
    if (i >= ND_ARRAY_LEN(countries))
        return NULL;
    return &countries[i];
}
