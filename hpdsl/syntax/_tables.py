"""Parse tables for hpdsl, generated from grammar/hpdsl.lark by hpdsl.syntax._generate.

Do not edit: regenerate with the lark pinned in pyproject.toml's test extra
(`python -m hpdsl.syntax._generate grammar/hpdsl.lark hpdsl/syntax/_tables.py`).
The test suite checks that these match the grammar."""

GRAMMAR_SHA256 = '35e902b7a182d6b89004c10db725a1f74fef29cd754420b514478edb2c80a59f'
LARK_VERSION = '1.3.1'
TERMINALS = {
    'AS': 'as',
    'COLON': ':',
    'COMMA': ',',
    'COMMENT': '#[^\r\n\x00]*',
    'CV': 'cv',
    'DATA': 'data',
    'EARLY': 'early',
    'ENCODE': 'encode',
    'EPOCHS': 'epochs',
    'EQUAL': '=',
    'EVALUATE': 'evaluate',
    'EVERY': 'every',
    'FOR': 'for',
    'GRID': 'grid',
    'HAS': 'has',
    'HYPER': 'hyper',
    'IMPROVED': 'improved',
    'IMPUTE': 'impute',
    'IN': 'in',
    'LBRACE': '\\{',
    'LOG': 'log',
    'LPAR': '\\(',
    'LSQB': '\\[',
    'MAXIMIZE': 'maximize',
    'MINIMIZE': 'minimize',
    'MINUS': '\\-',
    'MODEL': 'model',
    'NAME': '[A-Za-z_][A-Za-z0-9_]*',
    'NESTED': 'nested',
    'NOT': 'not',
    'NUMBER': '(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?',
    'ON': 'on',
    'PARAM': 'param',
    'PERCENT': '(\\d+\\.?\\d*|\\.\\d+)%',
    'PLUS': '\\+',
    'RANDOM': 'random',
    'RBRACE': '\\}',
    'REPORT': 'report',
    'RPAR': '\\)',
    'RSQB': '\\]',
    'SEED': 'seed',
    'SET': 'set',
    'SLASH': '/',
    'SPLIT': 'split',
    'STANDARDIZE': 'standardize',
    'STAR': '\\*',
    'STOP': 'stop',
    'STRING': '"([^"\\\\\r\n\x00]|\\\\[^\r\n\x00])*"',
    'TEST': 'test',
    'TRAIN': 'train',
    'TUNE': 'tune',
    'USING': 'using',
    'WHEN': 'when',
    'WITH': 'with',
    'WORKFLOW': 'workflow',
    'WS': '[ \t]+',
    '_NL': '(\r?\n[ \t]*)+',
    '__ANON_0': '\\->',
}
LITERALS = {
    'AS': 'as',
    'COLON': ':',
    'COMMA': ',',
    'CV': 'cv',
    'DATA': 'data',
    'EARLY': 'early',
    'ENCODE': 'encode',
    'EPOCHS': 'epochs',
    'EQUAL': '=',
    'EVALUATE': 'evaluate',
    'EVERY': 'every',
    'FOR': 'for',
    'GRID': 'grid',
    'HAS': 'has',
    'HYPER': 'hyper',
    'IMPROVED': 'improved',
    'IMPUTE': 'impute',
    'IN': 'in',
    'LBRACE': '{',
    'LOG': 'log',
    'LPAR': '(',
    'LSQB': '[',
    'MAXIMIZE': 'maximize',
    'MINIMIZE': 'minimize',
    'MINUS': '-',
    'MODEL': 'model',
    'NESTED': 'nested',
    'NOT': 'not',
    'ON': 'on',
    'PARAM': 'param',
    'PLUS': '+',
    'RANDOM': 'random',
    'RBRACE': '}',
    'REPORT': 'report',
    'RPAR': ')',
    'RSQB': ']',
    'SEED': 'seed',
    'SET': 'set',
    'SLASH': '/',
    'SPLIT': 'split',
    'STANDARDIZE': 'standardize',
    'STAR': '*',
    'STOP': 'stop',
    'TEST': 'test',
    'TRAIN': 'train',
    'TUNE': 'tune',
    'USING': 'using',
    'WHEN': 'when',
    'WITH': 'with',
    'WORKFLOW': 'workflow',
    '__ANON_0': '->',
}
IGNORE = (
    'COMMENT',  # 0
    'WS',  # 1
)
LEXERS = [
    (('_NL', 'COMMENT', 'WS', 'STANDARDIZE', 'EVALUATE', 'WORKFLOW', 'ENCODE', 'IMPUTE', 'HYPER', 'MODEL', 'PARAM', 'SPLIT', 'TRAIN', 'DATA', 'TEST', 'TUNE', 'SET'), {}),  # 0
    (('NAME', '_NL', 'COMMENT', 'WS'), {}),  # 1
    (('STRING', 'NAME', '_NL', 'COMMENT', 'WS'), {}),  # 2
    (('_NL', 'COMMENT', 'WS', 'ON'), {}),  # 3
    (('_NL', 'COMMENT', 'WS', 'LBRACE'), {}),  # 4
    (('_NL', 'COMMENT', 'WS', 'USING'), {}),  # 5
    (('STRING', '_NL', 'COMMENT', 'WS'), {}),  # 6
    (('_NL', 'COMMENT', 'WS'), {}),  # 7
    (('_NL', 'COMMENT', 'WS', 'EQUAL'), {}),  # 8
    (('_NL', 'COMMENT', 'WS', 'USING', 'COMMA'), {}),  # 9
    (('_NL', 'COMMENT', 'WS', '__ANON_0'), {}),  # 10
    (('_NL', 'COMMENT', 'WS', 'IN'), {}),  # 11
    (('_NL', 'COMMENT', 'WS', 'USING', 'ON', 'COMMA'), {}),  # 12
    (('NUMBER', 'STRING', 'NAME', '_NL', 'COMMENT', 'WS', 'LPAR', 'LSQB', 'MINUS'), {}),  # 13
    (('_NL', 'COMMENT', 'WS', 'MAXIMIZE', 'MINIMIZE', 'REPORT', 'USING', 'WITH', 'LBRACE', 'PLUS'), {}),  # 14
    (('_NL', 'COMMENT', 'WS', 'REPORT'), {}),  # 15
    (('NAME', '_NL', 'COMMENT', 'WS', 'RBRACE'), {}),  # 16
    (('_NL', 'COMMENT', 'WS', 'CV'), {}),  # 17
    (('NUMBER', 'STRING', 'NAME', '_NL', 'COMMENT', 'WS', 'LPAR', 'LSQB', 'MINUS', 'RSQB'), {}),  # 18
    (('_NL', 'COMMENT', 'WS', 'USING', 'ON', 'COMMA', 'LPAR', 'MINUS', 'PLUS', 'RBRACE', 'RPAR', 'RSQB', 'SLASH', 'STAR'), {}),  # 19
    (('_NL', 'COMMENT', 'WS', 'USING', 'ON', 'COMMA', 'MINUS', 'PLUS', 'RBRACE', 'RPAR', 'RSQB', 'SLASH', 'STAR'), {}),  # 20
    (('_NL', 'COMMENT', 'WS', 'USING', 'ON', 'COMMA', 'MINUS', 'PLUS', 'RBRACE', 'RPAR', 'RSQB'), {}),  # 21
    (('_NL', 'COMMENT', 'WS', 'COLON'), {}),  # 22
    (('_NL', 'COMMENT', 'WS', 'WITH'), {}),  # 23
    (('PERCENT', '_NL', 'COMMENT', 'WS', 'MINUS'), {}),  # 24
    (('_NL', 'COMMENT', 'WS', 'SEED', 'COMMA'), {}),  # 25
    (('_NL', 'COMMENT', 'WS', 'MAXIMIZE', 'MINIMIZE', 'USING'), {}),  # 26
    (('NUMBER', '_NL', 'COMMENT', 'WS', 'MINUS'), {}),  # 27
    (('_NL', 'COMMENT', 'WS', 'RPAR'), {}),  # 28
    (('_NL', 'COMMENT', 'WS', 'COMMA', 'RSQB'), {}),  # 29
    (('NUMBER', 'STRING', 'NAME', '_NL', 'COMMENT', 'WS', 'LPAR', 'LSQB', 'MINUS', 'RPAR'), {}),  # 30
    (('_NL', 'COMMENT', 'WS', 'COMMA'), {}),  # 31
    (('PERCENT', '_NL', 'COMMENT', 'WS'), {}),  # 32
    (('_NL', 'COMMENT', 'WS', 'SEED', 'AS', 'COMMA'), {}),  # 33
    (('NAME', '_NL', 'COMMENT', 'WS', 'RBRACE'), {'NAME': {'every': 'EVERY', 'stop': 'STOP', 'set': 'SET'}}),  # 34
    (('_NL', 'COMMENT', 'WS', 'RANDOM', 'GRID'), {}),  # 35
    (('NUMBER', '_NL', 'COMMENT', 'WS'), {}),  # 36
    (('_NL', 'COMMENT', 'WS', 'EPOCHS', 'NESTED', 'SEED', 'ON'), {}),  # 37
    (('_NL', 'COMMENT', 'WS', 'NESTED', 'ON'), {}),  # 38
    (('_NL', 'COMMENT', 'WS', 'COLON', 'COMMA', 'LPAR', 'MINUS', 'PLUS', 'RPAR', 'SLASH', 'STAR'), {}),  # 39
    (('_NL', 'COMMENT', 'WS', 'COMMA', 'RPAR'), {}),  # 40
    (('_NL', 'COMMENT', 'WS', 'IN', 'EQUAL'), {}),  # 41
    (('PERCENT', 'NUMBER', 'STRING', 'NAME', '_NL', 'COMMENT', 'WS', 'COLON', 'COMMA', 'EQUAL', 'MINUS', 'PLUS', 'SLASH', 'STAR'), {}),  # 42
    (('_NL', 'COMMENT', 'WS', 'EARLY'), {}),  # 43
    (('_NL', 'COMMENT', 'WS', 'COMMA', 'RBRACE', 'RSQB'), {}),  # 44
    (('_NL', 'COMMENT', 'WS', 'LBRACE', 'LPAR', 'LSQB'), {}),  # 45
    (('_NL', 'COMMENT', 'WS', 'EPOCHS'), {}),  # 46
    (('_NL', 'COMMENT', 'WS', 'WHEN'), {}),  # 47
    (('_NL', 'COMMENT', 'WS', 'SEED'), {}),  # 48
    (('_NL', 'COMMENT', 'WS', 'COMMA', 'RBRACE'), {}),  # 49
    (('NAME', '_NL', 'COMMENT', 'WS'), {'NAME': {'log': 'LOG', 'set': 'SET'}}),  # 50
    (('_NL', 'COMMENT', 'WS', 'RPAR', 'RSQB'), {}),  # 51
    (('_NL', 'COMMENT', 'WS', 'HAS'), {}),  # 52
    (('_NL', 'COMMENT', 'WS', 'NOT'), {}),  # 53
    (('_NL', 'COMMENT', 'WS', 'IMPROVED'), {}),  # 54
    (('_NL', 'COMMENT', 'WS', 'FOR'), {}),  # 55
    (('PERCENT', 'NUMBER', 'STRING', 'NAME', '_NL', 'COMMENT', 'WS', '__ANON_0', 'COLON', 'COMMA', 'EQUAL', 'LBRACE', 'LPAR', 'LSQB', 'MINUS', 'PLUS', 'RBRACE', 'RPAR', 'RSQB', 'SLASH', 'STAR'), {'NAME': {'standardize': 'STANDARDIZE', 'evaluate': 'EVALUATE', 'improved': 'IMPROVED', 'maximize': 'MAXIMIZE', 'minimize': 'MINIMIZE', 'workflow': 'WORKFLOW', 'encode': 'ENCODE', 'epochs': 'EPOCHS', 'impute': 'IMPUTE', 'nested': 'NESTED', 'random': 'RANDOM', 'report': 'REPORT', 'early': 'EARLY', 'every': 'EVERY', 'hyper': 'HYPER', 'model': 'MODEL', 'param': 'PARAM', 'split': 'SPLIT', 'train': 'TRAIN', 'using': 'USING', 'data': 'DATA', 'grid': 'GRID', 'seed': 'SEED', 'stop': 'STOP', 'test': 'TEST', 'tune': 'TUNE', 'when': 'WHEN', 'with': 'WITH', 'for': 'FOR', 'has': 'HAS', 'log': 'LOG', 'not': 'NOT', 'set': 'SET', 'as': 'AS', 'cv': 'CV', 'in': 'IN', 'on': 'ON'}}),  # 56
]
STATE_LEXER = (
    0, 1, 2, 3, 4, 2, 1, 4, 1, 1, 5, 3, 3, 1, 6, 0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 8, 9, 9, 9, 5, 1, 7, 5, 7, 7, 8, 10, 1, 1, 1, 11, 12, 7, 0, 7, 0, 13, 2, 9, 1, 14, 15,
    16, 1, 16, 13, 1, 7, 15, 4, 13, 1, 1, 17, 12, 3, 0, 13, 18, 13, 19, 20, 20, 20, 20, 7, 20,
    20, 21, 20, 9, 2, 7, 1, 14, 1, 7, 22, 7, 16, 16, 7, 23, 8, 7, 16, 16, 7, 7, 24, 25, 7, 7, 7,
    12, 12, 26, 27, 1, 1, 3, 1, 28, 20, 29, 20, 30, 13, 13, 13, 13, 9, 14, 1, 31, 1, 7, 16, 7,
    16, 1, 7, 13, 7, 16, 7, 16, 32, 33, 33, 1, 27, 25, 7, 34, 1, 1, 35, 5, 7, 36, 37, 38, 12,
    26, 1, 26, 20, 18, 20, 29, 39, 20, 40, 40, 20, 20, 20, 20, 14, 1, 31, 41, 16, 13, 7, 16, 33,
    1, 25, 25, 7, 1, 7, 27, 42, 7, 43, 34, 34, 7, 7, 7, 7, 7, 5, 5, 7, 27, 7, 37, 11, 3, 5, 7,
    26, 5, 7, 20, 44, 18, 20, 13, 30, 20, 40, 31, 1, 13, 45, 7, 8, 7, 25, 25, 46, 42, 42, 42,
    42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 47, 7, 34, 7, 34, 48, 17, 7, 5, 7, 7, 20, 44, 40,
    20, 40, 30, 20, 31, 7, 13, 13, 13, 8, 8, 7, 22, 42, 1, 34, 27, 7, 27, 7, 20, 40, 49, 31, 31,
    50, 3, 7, 3, 13, 8, 49, 13, 13, 1, 7, 7, 7, 1, 13, 8, 51, 51, 3, 52, 8, 8, 8, 8, 1, 53, 7,
    54, 55, 27, 46, 7,
)
ROOT_LEXER = 56
RULES = [
    ('start', 2, 'start', False, (0, 1)),  # 0
    ('start', 1, 'start', False, (0,)),  # 1
    ('start', 1, 'start', False, (0,)),  # 2
    ('start', 0, 'start', False, ()),  # 3
    ('_statement', 1, None, False, ()),  # 4
    ('_statement', 1, None, False, ()),  # 5
    ('_statement', 1, None, False, ()),  # 6
    ('_statement', 1, None, False, ()),  # 7
    ('_statement', 1, None, False, ()),  # 8
    ('_statement', 1, None, False, ()),  # 9
    ('_statement', 1, None, False, ()),  # 10
    ('_statement', 1, None, False, ()),  # 11
    ('_statement', 1, None, False, ()),  # 12
    ('_statement', 1, None, False, ()),  # 13
    ('_statement', 1, None, False, ()),  # 14
    ('_statement', 1, None, False, ()),  # 15
    ('_statement', 1, None, False, ()),  # 16
    ('_statement', 1, None, False, ()),  # 17
    ('workflow', 2, 'workflow', False, ()),  # 18
    ('data', 4, 'data', False, ()),  # 19
    ('split', 6, 'split', False, (4,)),  # 20
    ('split', 5, 'split', False, (4,)),  # 21
    ('split', 5, 'split', False, ()),  # 22
    ('split', 4, 'split', False, ()),  # 23
    ('split_entry', 3, 'split_entry', False, ()),  # 24
    ('split_entry', 2, 'split_entry', False, ()),  # 25
    ('split_role', 2, 'split_role', False, ()),  # 26
    ('split_seed', 2, 'split_seed', False, ()),  # 27
    ('share', 1, 'share', False, ()),  # 28
    ('share', 2, 'share', False, ()),  # 29
    ('model', 2, 'model', False, ()),  # 30
    ('hyper', 5, 'hyper', False, (3,)),  # 31
    ('hyper', 4, 'hyper', False, ()),  # 32
    ('hyper_entry', 5, 'hyper_entry', False, ()),  # 33
    ('hyper_entry', 4, 'hyper_entry', False, ()),  # 34
    ('hyper_entry', 4, 'hyper_entry', False, ()),  # 35
    ('hyper_entry', 3, 'hyper_entry', False, ()),  # 36
    ('domain_clause', 2, 'domain_clause', False, ()),  # 37
    ('domain_clause', 2, 'domain_clause', False, ()),  # 38
    ('default_clause', 2, 'default_clause', False, ()),  # 39
    ('interval', 5, 'interval', False, ()),  # 40
    ('interval', 5, 'interval', False, ()),  # 41
    ('interval', 5, 'interval', False, ()),  # 42
    ('interval', 5, 'interval', False, ()),  # 43
    ('set_domain', 4, 'set_domain', False, (2,)),  # 44
    ('set_domain', 3, 'set_domain', False, ()),  # 45
    ('param', 5, 'param', False, (3,)),  # 46
    ('param', 4, 'param', False, ()),  # 47
    ('param_entry', 3, 'param_entry', False, ()),  # 48
    ('set', 4, 'set', False, ()),  # 49
    ('standardize', 3, 'standardize', False, ()),  # 50
    ('impute', 5, 'impute', False, ()),  # 51
    ('impute', 4, 'impute', False, ()),  # 52
    ('impute_with', 3, 'impute_with', False, ()),  # 53
    ('impute_with', 2, 'impute_with', False, ()),  # 54
    ('encode', 4, 'encode', False, ()),  # 55
    ('columns', 2, 'columns', False, (0, 1)),  # 56
    ('columns', 1, 'columns', False, (0,)),  # 57
    ('_column', 1, None, False, ()),  # 58
    ('_column', 1, None, False, ()),  # 59
    ('train', 4, 'train', False, ()),  # 60
    ('train', 3, 'train', False, ()),  # 61
    ('tune', 8, 'tune', False, (2,)),  # 62
    ('tune', 7, 'tune', False, (2,)),  # 63
    ('tune', 7, 'tune', False, (2,)),  # 64
    ('tune', 6, 'tune', False, (2,)),  # 65
    ('tune', 7, 'tune', False, (2,)),  # 66
    ('tune', 6, 'tune', False, (2,)),  # 67
    ('tune', 6, 'tune', False, (2,)),  # 68
    ('tune', 5, 'tune', False, (2,)),  # 69
    ('tune', 7, 'tune', False, ()),  # 70
    ('tune', 6, 'tune', False, ()),  # 71
    ('tune', 6, 'tune', False, ()),  # 72
    ('tune', 5, 'tune', False, ()),  # 73
    ('tune', 6, 'tune', False, ()),  # 74
    ('tune', 5, 'tune', False, ()),  # 75
    ('tune', 5, 'tune', False, ()),  # 76
    ('tune', 4, 'tune', False, ()),  # 77
    ('evaluate', 4, 'evaluate', False, ()),  # 78
    ('evaluate', 3, 'evaluate', False, ()),  # 79
    ('test', 4, 'test', False, ()),  # 80
    ('test', 3, 'test', False, ()),  # 81
    ('splits', 2, 'splits', False, (1,)),  # 82
    ('splits', 1, 'splits', False, ()),  # 83
    ('report', 3, 'report', False, (2,)),  # 84
    ('report', 2, 'report', False, ()),  # 85
    ('space_item', 3, 'space_item', False, ()),  # 86
    ('cv', 4, 'cv', False, ()),  # 87
    ('cv', 3, 'cv', False, ()),  # 88
    ('nested', 4, 'nested', False, ()),  # 89
    ('objective', 2, 'objective', False, ()),  # 90
    ('objective', 2, 'objective', False, ()),  # 91
    ('search', 2, 'search', False, ()),  # 92
    ('search', 4, 'search', False, ()),  # 93
    ('search', 3, 'search', False, ()),  # 94
    ('search_seed', 2, 'search_seed', False, ()),  # 95
    ('body', 4, 'body', False, (2,)),  # 96
    ('body', 3, 'body', False, ()),  # 97
    ('_body_entry', 1, None, False, ()),  # 98
    ('_body_entry', 1, None, False, ()),  # 99
    ('_body_entry', 1, None, False, ()),  # 100
    ('_body_entry', 1, None, False, ()),  # 101
    ('every', 5, 'every', False, ()),  # 102
    ('every', 5, 'every', False, ()),  # 103
    ('every', 5, 'every', False, ()),  # 104
    ('log', 4, 'log', False, ()),  # 105
    ('stop_early', 12, 'stop_early', False, ()),  # 106
    ('unknown_action', 2, 'unknown_action', False, (1,)),  # 107
    ('unknown_action', 1, 'unknown_action', False, ()),  # 108
    ('_loose', 1, None, False, ()),  # 109
    ('_loose', 1, None, False, ()),  # 110
    ('_loose', 1, None, False, ()),  # 111
    ('_loose', 1, None, False, ()),  # 112
    ('_loose', 1, None, False, ()),  # 113
    ('_loose', 1, None, False, ()),  # 114
    ('_loose', 1, None, False, ()),  # 115
    ('_loose', 1, None, False, ()),  # 116
    ('_loose', 1, None, False, ()),  # 117
    ('_loose', 1, None, False, ()),  # 118
    ('_loose', 1, None, False, ()),  # 119
    ('count', 1, 'count', False, ()),  # 120
    ('count', 2, 'count', False, ()),  # 121
    ('expr', 1, None, True, ()),  # 122
    ('sum', 1, None, True, ()),  # 123
    ('sum', 3, 'binop', False, ()),  # 124
    ('sum', 3, 'binop', False, ()),  # 125
    ('product', 1, None, True, ()),  # 126
    ('product', 3, 'binop', False, ()),  # 127
    ('product', 3, 'binop', False, ()),  # 128
    ('unary', 1, None, True, ()),  # 129
    ('unary', 2, 'neg', False, ()),  # 130
    ('atom', 1, 'number', False, ()),  # 131
    ('atom', 1, 'name', False, ()),  # 132
    ('atom', 1, 'string', False, ()),  # 133
    ('atom', 3, 'paren', False, ()),  # 134
    ('atom', 1, None, True, ()),  # 135
    ('atom', 1, None, True, ()),  # 136
    ('call', 6, 'call', False, (3,)),  # 137
    ('call', 5, 'call', False, (3,)),  # 138
    ('call', 5, 'call', False, ()),  # 139
    ('call', 4, 'call', False, ()),  # 140
    ('call', 3, 'call', False, ()),  # 141
    ('arg', 1, 'arg', False, ()),  # 142
    ('arg', 3, 'arg', False, ()),  # 143
    ('list', 5, 'list', False, (2,)),  # 144
    ('list', 4, 'list', False, (2,)),  # 145
    ('list', 4, 'list', False, ()),  # 146
    ('list', 3, 'list', False, ()),  # 147
    ('list', 2, 'list', False, ()),  # 148
    ('__start_star_0', 1, None, False, ()),  # 149
    ('__start_star_0', 2, None, False, (0,)),  # 150
    ('__start_star_0', 2, None, False, (0,)),  # 151
    ('__start_star_0', 3, None, False, (0, 1)),  # 152
    ('__split_star_1', 2, None, False, ()),  # 153
    ('__split_star_1', 3, None, False, (0,)),  # 154
    ('__hyper_star_2', 2, None, False, ()),  # 155
    ('__hyper_star_2', 1, None, False, ()),  # 156
    ('__hyper_star_2', 3, None, False, (0,)),  # 157
    ('__hyper_star_2', 2, None, False, (0,)),  # 158
    ('__set_domain_star_3', 2, None, False, ()),  # 159
    ('__set_domain_star_3', 3, None, False, (0,)),  # 160
    ('__param_star_4', 2, None, False, ()),  # 161
    ('__param_star_4', 1, None, False, ()),  # 162
    ('__param_star_4', 3, None, False, (0,)),  # 163
    ('__param_star_4', 2, None, False, (0,)),  # 164
    ('__columns_star_5', 2, None, False, (1,)),  # 165
    ('__columns_star_5', 3, None, False, (0, 2)),  # 166
    ('__tune_star_6', 2, None, False, ()),  # 167
    ('__tune_star_6', 3, None, False, (0,)),  # 168
    ('__splits_star_7', 2, None, False, ()),  # 169
    ('__splits_star_7', 3, None, False, (0,)),  # 170
    ('__report_star_8', 2, None, False, ()),  # 171
    ('__report_star_8', 3, None, False, (0,)),  # 172
    ('__body_star_9', 2, None, False, (0,)),  # 173
    ('__body_star_9', 1, None, False, ()),  # 174
    ('__body_star_9', 3, None, False, (0, 1)),  # 175
    ('__body_star_9', 2, None, False, (0,)),  # 176
    ('__unknown_action_star_10', 1, None, False, (0,)),  # 177
    ('__unknown_action_star_10', 2, None, False, (0, 1)),  # 178
    ('__call_star_11', 2, None, False, ()),  # 179
    ('__call_star_11', 3, None, False, (0,)),  # 180
]
ACTIONS = [
    {'$END': -4, 'DATA': 1, 'ENCODE': 2, 'EVALUATE': 3, 'HYPER': 4, 'IMPUTE': 5, 'MODEL': 6, 'PARAM': 7, 'SET': 8, 'SPLIT': 9, 'STANDARDIZE': 10, 'TEST': 11, 'TRAIN': 12, 'TUNE': 13, 'WORKFLOW': 14, '_NL': 15, '__start_star_0': 16, '_statement': 17, 'data': 18, 'encode': 19, 'evaluate': 20, 'hyper': 21, 'impute': 22, 'model': 23, 'param': 24, 'set': 25, 'split': 26, 'standardize': 27, 'start': 28, 'test': 29, 'train': 30, 'tune': 31, 'workflow': 32},  # 0
    {'NAME': 33},  # 1
    {'NAME': 34, 'STRING': 35, '_column': 36, 'columns': 37},  # 2
    {'ON': 38},  # 3
    {'LBRACE': 39},  # 4
    {'NAME': 34, 'STRING': 35, '_column': 36, 'columns': 40},  # 5
    {'NAME': 41},  # 6
    {'LBRACE': 42},  # 7
    {'NAME': 43},  # 8
    {'NAME': 44},  # 9
    {'USING': 45},  # 10
    {'ON': 46},  # 11
    {'ON': 47},  # 12
    {'NAME': 48, 'space_item': 49},  # 13
    {'STRING': 50},  # 14
    {'$END': -150, 'DATA': -150, 'ENCODE': -150, 'EVALUATE': -150, 'HYPER': -150, 'IMPUTE': -150, 'MODEL': -150, 'PARAM': -150, 'SET': -150, 'SPLIT': -150, 'STANDARDIZE': -150, 'TEST': -150, 'TRAIN': -150, 'TUNE': -150, 'WORKFLOW': -150, '_NL': -150},  # 15
    {'$END': -2, 'DATA': 1, 'ENCODE': 2, 'EVALUATE': 3, 'HYPER': 4, 'IMPUTE': 5, 'MODEL': 6, 'PARAM': 7, 'SET': 8, 'SPLIT': 9, 'STANDARDIZE': 10, 'TEST': 11, 'TRAIN': 12, 'TUNE': 13, 'WORKFLOW': 14, '_NL': 51, '_statement': 52, 'data': 18, 'encode': 19, 'evaluate': 20, 'hyper': 21, 'impute': 22, 'model': 23, 'param': 24, 'set': 25, 'split': 26, 'standardize': 27, 'test': 29, 'train': 30, 'tune': 31, 'workflow': 32},  # 16
    {'$END': -3, '_NL': 53},  # 17
    {'$END': -6, '_NL': -6},  # 18
    {'$END': -14, '_NL': -14},  # 19
    {'$END': -17, '_NL': -17},  # 20
    {'$END': -9, '_NL': -9},  # 21
    {'$END': -13, '_NL': -13},  # 22
    {'$END': -8, '_NL': -8},  # 23
    {'$END': -10, '_NL': -10},  # 24
    {'$END': -11, '_NL': -11},  # 25
    {'$END': -7, '_NL': -7},  # 26
    {'$END': -12, '_NL': -12},  # 27
    {},  # 28
    {'$END': -18, '_NL': -18},  # 29
    {'$END': -15, '_NL': -15},  # 30
    {'$END': -16, '_NL': -16},  # 31
    {'$END': -5, '_NL': -5},  # 32
    {'EQUAL': 54},  # 33
    {'COMMA': -59, 'USING': -59},  # 34
    {'COMMA': -60, 'USING': -60},  # 35
    {'COMMA': 55, 'USING': -58, '__columns_star_5': 56},  # 36
    {'USING': 57},  # 37
    {'NAME': 58, 'splits': 59},  # 38
    {'_NL': 60},  # 39
    {'USING': 61},  # 40
    {'$END': -31, '_NL': -31},  # 41
    {'_NL': 62},  # 42
    {'EQUAL': 63},  # 43
    {'__ANON_0': 64},  # 44
    {'NAME': 58, 'splits': 65},  # 45
    {'NAME': 58, 'splits': 66},  # 46
    {'NAME': 58, 'splits': 67},  # 47
    {'IN': 68},  # 48
    {'COMMA': 69, 'ON': 70, 'USING': 71, '__tune_star_6': 72, 'cv': 73},  # 49
    {'$END': -19, '_NL': -19},  # 50
    {'$END': -152, 'DATA': -152, 'ENCODE': -152, 'EVALUATE': -152, 'HYPER': -152, 'IMPUTE': -152, 'MODEL': -152, 'PARAM': -152, 'SET': -152, 'SPLIT': -152, 'STANDARDIZE': -152, 'TEST': -152, 'TRAIN': -152, 'TUNE': -152, 'WORKFLOW': -152, '_NL': -152},  # 51
    {'$END': -1, '_NL': 74},  # 52
    {'$END': -151, 'DATA': -151, 'ENCODE': -151, 'EVALUATE': -151, 'HYPER': -151, 'IMPUTE': -151, 'MODEL': -151, 'PARAM': -151, 'SET': -151, 'SPLIT': -151, 'STANDARDIZE': -151, 'TEST': -151, 'TRAIN': -151, 'TUNE': -151, 'WORKFLOW': -151, '_NL': -151},  # 53
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 83, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 54
    {'NAME': 34, 'STRING': 35, '_column': 88},  # 55
    {'COMMA': 89, 'USING': -57},  # 56
    {'NAME': 58, 'splits': 90},  # 57
    {'$END': -84, 'LBRACE': -84, 'MAXIMIZE': -84, 'MINIMIZE': -84, 'PLUS': 91, 'REPORT': -84, 'USING': -84, 'WITH': -84, '_NL': -84, '__splits_star_7': 92},  # 58
    {'$END': -80, 'REPORT': 93, '_NL': -80, 'report': 94},  # 59
    {'NAME': 95, 'RBRACE': 96, '_NL': 97, '__hyper_star_2': 98, 'hyper_entry': 99},  # 60
    {'NAME': 58, 'splits': 100},  # 61
    {'NAME': 101, 'RBRACE': 102, '_NL': 103, '__param_star_4': 104, 'param_entry': 105},  # 62
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 106, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 63
    {'NAME': 107, 'split_entry': 108},  # 64
    {'$END': -51, '_NL': -51},  # 65
    {'$END': -82, 'REPORT': 93, '_NL': -82, 'report': 109},  # 66
    {'$END': -62, 'LBRACE': 110, '_NL': -62, 'body': 111},  # 67
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 112, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 68
    {'NAME': 48, 'space_item': 113},  # 69
    {'NAME': 58, 'splits': 114},  # 70
    {'CV': 115},  # 71
    {'COMMA': 116, 'ON': 117, 'USING': 71, 'cv': 118},  # 72
    {'ON': 119},  # 73
    {'$END': -153, 'DATA': -153, 'ENCODE': -153, 'EVALUATE': -153, 'HYPER': -153, 'IMPUTE': -153, 'MODEL': -153, 'PARAM': -153, 'SET': -153, 'SPLIT': -153, 'STANDARDIZE': -153, 'TEST': -153, 'TRAIN': -153, 'TUNE': -153, 'WORKFLOW': -153, '_NL': -153},  # 74
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 120, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 75
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'RSQB': 121, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 122, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 76
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'list': 84, 'unary': 123},  # 77
    {'$END': -133, 'COMMA': -133, 'LPAR': 124, 'MINUS': -133, 'ON': -133, 'PLUS': -133, 'RBRACE': -133, 'RPAR': -133, 'RSQB': -133, 'SLASH': -133, 'STAR': -133, 'USING': -133, '_NL': -133},  # 78
    {'$END': -132, 'COMMA': -132, 'MINUS': -132, 'ON': -132, 'PLUS': -132, 'RBRACE': -132, 'RPAR': -132, 'RSQB': -132, 'SLASH': -132, 'STAR': -132, 'USING': -132, '_NL': -132},  # 79
    {'$END': -134, 'COMMA': -134, 'MINUS': -134, 'ON': -134, 'PLUS': -134, 'RBRACE': -134, 'RPAR': -134, 'RSQB': -134, 'SLASH': -134, 'STAR': -134, 'USING': -134, '_NL': -134},  # 80
    {'$END': -130, 'COMMA': -130, 'MINUS': -130, 'ON': -130, 'PLUS': -130, 'RBRACE': -130, 'RPAR': -130, 'RSQB': -130, 'SLASH': -130, 'STAR': -130, 'USING': -130, '_NL': -130},  # 81
    {'$END': -136, 'COMMA': -136, 'MINUS': -136, 'ON': -136, 'PLUS': -136, 'RBRACE': -136, 'RPAR': -136, 'RSQB': -136, 'SLASH': -136, 'STAR': -136, 'USING': -136, '_NL': -136},  # 82
    {'$END': -20, '_NL': -20},  # 83
    {'$END': -137, 'COMMA': -137, 'MINUS': -137, 'ON': -137, 'PLUS': -137, 'RBRACE': -137, 'RPAR': -137, 'RSQB': -137, 'SLASH': -137, 'STAR': -137, 'USING': -137, '_NL': -137},  # 84
    {'$END': -124, 'COMMA': -124, 'MINUS': -124, 'ON': -124, 'PLUS': -124, 'RBRACE': -124, 'RPAR': -124, 'RSQB': -124, 'SLASH': 125, 'STAR': 126, 'USING': -124, '_NL': -124},  # 85
    {'$END': -123, 'COMMA': -123, 'MINUS': 127, 'ON': -123, 'PLUS': 128, 'RBRACE': -123, 'RPAR': -123, 'RSQB': -123, 'USING': -123, '_NL': -123},  # 86
    {'$END': -127, 'COMMA': -127, 'MINUS': -127, 'ON': -127, 'PLUS': -127, 'RBRACE': -127, 'RPAR': -127, 'RSQB': -127, 'SLASH': -127, 'STAR': -127, 'USING': -127, '_NL': -127},  # 87
    {'COMMA': -166, 'USING': -166},  # 88
    {'NAME': 34, 'STRING': 35, '_column': 129},  # 89
    {'$END': -56, '_NL': -56},  # 90
    {'NAME': 130},  # 91
    {'$END': -83, 'LBRACE': -83, 'MAXIMIZE': -83, 'MINIMIZE': -83, 'PLUS': 131, 'REPORT': -83, 'USING': -83, 'WITH': -83, '_NL': -83},  # 92
    {'NAME': 132},  # 93
    {'$END': -79, '_NL': -79},  # 94
    {'COLON': 133},  # 95
    {'$END': -33, '_NL': -33},  # 96
    {'NAME': -157, 'RBRACE': -157, '_NL': -157},  # 97
    {'NAME': 95, 'RBRACE': 134, '_NL': 135, 'hyper_entry': 136},  # 98
    {'_NL': 137},  # 99
    {'$END': -53, 'WITH': 138, '_NL': -53, 'impute_with': 139},  # 100
    {'EQUAL': 140},  # 101
    {'$END': -48, '_NL': -48},  # 102
    {'NAME': -163, 'RBRACE': -163, '_NL': -163},  # 103
    {'NAME': 101, 'RBRACE': 141, '_NL': 142, 'param_entry': 143},  # 104
    {'_NL': 144},  # 105
    {'$END': -50, '_NL': -50},  # 106
    {'MINUS': 145, 'PERCENT': 146, 'share': 147},  # 107
    {'$END': -24, 'COMMA': 148, 'SEED': 149, '_NL': -24, '__split_star_1': 150, 'split_seed': 151},  # 108
    {'$END': -81, '_NL': -81},  # 109
    {'_NL': 152},  # 110
    {'$END': -61, '_NL': -61},  # 111
    {'COMMA': -87, 'ON': -87, 'USING': -87},  # 112
    {'COMMA': -168, 'ON': -168, 'USING': -168},  # 113
    {'$END': -78, 'MAXIMIZE': 153, 'MINIMIZE': 154, 'USING': 155, '_NL': -78, 'objective': 156, 'search': 157},  # 114
    {'MINUS': 158, 'NUMBER': 159, 'count': 160},  # 115
    {'NAME': 48, 'space_item': 161},  # 116
    {'NAME': 58, 'splits': 162},  # 117
    {'ON': 163},  # 118
    {'NAME': 58, 'splits': 164},  # 119
    {'RPAR': 165},  # 120
    {'$END': -149, 'COMMA': -149, 'MINUS': -149, 'ON': -149, 'PLUS': -149, 'RBRACE': -149, 'RPAR': -149, 'RSQB': -149, 'SLASH': -149, 'STAR': -149, 'USING': -149, '_NL': -149},  # 121
    {'COMMA': 166, 'RSQB': 167, '__set_domain_star_3': 168},  # 122
    {'$END': -131, 'COMMA': -131, 'MINUS': -131, 'ON': -131, 'PLUS': -131, 'RBRACE': -131, 'RPAR': -131, 'RSQB': -131, 'SLASH': -131, 'STAR': -131, 'USING': -131, '_NL': -131},  # 123
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 169, 'NUMBER': 79, 'RPAR': 170, 'STRING': 80, 'arg': 171, 'atom': 81, 'call': 82, 'expr': 172, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 124
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'list': 84, 'unary': 173},  # 125
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'list': 84, 'unary': 174},  # 126
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'list': 84, 'product': 175, 'unary': 87},  # 127
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'list': 84, 'product': 176, 'unary': 87},  # 128
    {'COMMA': -167, 'USING': -167},  # 129
    {'$END': -170, 'LBRACE': -170, 'MAXIMIZE': -170, 'MINIMIZE': -170, 'PLUS': -170, 'REPORT': -170, 'USING': -170, 'WITH': -170, '_NL': -170},  # 130
    {'NAME': 177},  # 131
    {'$END': -86, 'COMMA': 178, '_NL': -86, '__report_star_8': 179},  # 132
    {'NAME': 180},  # 133
    {'$END': -32, '_NL': -32},  # 134
    {'NAME': -159, 'RBRACE': -159, '_NL': -159},  # 135
    {'_NL': 181},  # 136
    {'NAME': -156, 'RBRACE': -156, '_NL': -156},  # 137
    {'NAME': 182},  # 138
    {'$END': -52, '_NL': -52},  # 139
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 183, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 140
    {'$END': -47, '_NL': -47},  # 141
    {'NAME': -165, 'RBRACE': -165, '_NL': -165},  # 142
    {'_NL': 184},  # 143
    {'NAME': -162, 'RBRACE': -162, '_NL': -162},  # 144
    {'PERCENT': 185},  # 145
    {'$END': -29, 'AS': -29, 'COMMA': -29, 'SEED': -29, '_NL': -29},  # 146
    {'$END': -26, 'AS': 186, 'COMMA': -26, 'SEED': -26, '_NL': -26, 'split_role': 187},  # 147
    {'NAME': 107, 'split_entry': 188},  # 148
    {'MINUS': 158, 'NUMBER': 159, 'count': 189},  # 149
    {'$END': -22, 'COMMA': 190, 'SEED': 149, '_NL': -22, 'split_seed': 191},  # 150
    {'$END': -23, '_NL': -23},  # 151
    {'EVERY': 192, 'NAME': 193, 'RBRACE': 194, 'SET': 8, 'STOP': 195, '_NL': 196, '__body_star_9': 197, '_body_entry': 198, 'every': 199, 'set': 200, 'stop_early': 201, 'unknown_action': 202},  # 152
    {'NAME': 203},  # 153
    {'NAME': 204},  # 154
    {'GRID': 205, 'RANDOM': 206},  # 155
    {'$END': -76, 'USING': 155, '_NL': -76, 'search': 207},  # 156
    {'$END': -77, '_NL': -77},  # 157
    {'NUMBER': 208},  # 158
    {'$END': -121, 'EPOCHS': -121, 'NESTED': -121, 'ON': -121, 'SEED': -121, '_NL': -121},  # 159
    {'NESTED': 209, 'ON': -89, 'nested': 210},  # 160
    {'COMMA': -169, 'ON': -169, 'USING': -169},  # 161
    {'$END': -70, 'MAXIMIZE': 153, 'MINIMIZE': 154, 'USING': 155, '_NL': -70, 'objective': 211, 'search': 212},  # 162
    {'NAME': 58, 'splits': 213},  # 163
    {'$END': -74, 'MAXIMIZE': 153, 'MINIMIZE': 154, 'USING': 155, '_NL': -74, 'objective': 214, 'search': 215},  # 164
    {'$END': -135, 'COMMA': -135, 'MINUS': -135, 'ON': -135, 'PLUS': -135, 'RBRACE': -135, 'RPAR': -135, 'RSQB': -135, 'SLASH': -135, 'STAR': -135, 'USING': -135, '_NL': -135},  # 165
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'RSQB': 216, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 217, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 166
    {'$END': -148, 'COMMA': -148, 'MINUS': -148, 'ON': -148, 'PLUS': -148, 'RBRACE': -148, 'RPAR': -148, 'RSQB': -148, 'SLASH': -148, 'STAR': -148, 'USING': -148, '_NL': -148},  # 167
    {'COMMA': 218, 'RSQB': 219},  # 168
    {'COLON': 220, 'COMMA': -133, 'LPAR': 124, 'MINUS': -133, 'PLUS': -133, 'RPAR': -133, 'SLASH': -133, 'STAR': -133},  # 169
    {'$END': -142, 'COMMA': -142, 'MINUS': -142, 'ON': -142, 'PLUS': -142, 'RBRACE': -142, 'RPAR': -142, 'RSQB': -142, 'SLASH': -142, 'STAR': -142, 'USING': -142, '_NL': -142},  # 170
    {'COMMA': 221, 'RPAR': 222, '__call_star_11': 223},  # 171
    {'COMMA': -143, 'RPAR': -143},  # 172
    {'$END': -129, 'COMMA': -129, 'MINUS': -129, 'ON': -129, 'PLUS': -129, 'RBRACE': -129, 'RPAR': -129, 'RSQB': -129, 'SLASH': -129, 'STAR': -129, 'USING': -129, '_NL': -129},  # 173
    {'$END': -128, 'COMMA': -128, 'MINUS': -128, 'ON': -128, 'PLUS': -128, 'RBRACE': -128, 'RPAR': -128, 'RSQB': -128, 'SLASH': -128, 'STAR': -128, 'USING': -128, '_NL': -128},  # 174
    {'$END': -126, 'COMMA': -126, 'MINUS': -126, 'ON': -126, 'PLUS': -126, 'RBRACE': -126, 'RPAR': -126, 'RSQB': -126, 'SLASH': 125, 'STAR': 126, 'USING': -126, '_NL': -126},  # 175
    {'$END': -125, 'COMMA': -125, 'MINUS': -125, 'ON': -125, 'PLUS': -125, 'RBRACE': -125, 'RPAR': -125, 'RSQB': -125, 'SLASH': 125, 'STAR': 126, 'USING': -125, '_NL': -125},  # 176
    {'$END': -171, 'LBRACE': -171, 'MAXIMIZE': -171, 'MINIMIZE': -171, 'PLUS': -171, 'REPORT': -171, 'USING': -171, 'WITH': -171, '_NL': -171},  # 177
    {'NAME': 224},  # 178
    {'$END': -85, 'COMMA': 225, '_NL': -85},  # 179
    {'EQUAL': 226, 'IN': 227, '_NL': -37, 'default_clause': 228, 'domain_clause': 229},  # 180
    {'NAME': -158, 'RBRACE': -158, '_NL': -158},  # 181
    {'$END': -55, 'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, '_NL': -55, 'atom': 81, 'call': 82, 'expr': 230, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 182
    {'_NL': -49},  # 183
    {'NAME': -164, 'RBRACE': -164, '_NL': -164},  # 184
    {'$END': -30, 'AS': -30, 'COMMA': -30, 'SEED': -30, '_NL': -30},  # 185
    {'NAME': 231},  # 186
    {'$END': -25, 'COMMA': -25, 'SEED': -25, '_NL': -25},  # 187
    {'$END': -154, 'COMMA': -154, 'SEED': -154, '_NL': -154},  # 188
    {'$END': -28, '_NL': -28},  # 189
    {'NAME': 107, 'split_entry': 232},  # 190
    {'$END': -21, '_NL': -21},  # 191
    {'MINUS': 158, 'NUMBER': 159, 'count': 233},  # 192
    {'COLON': 234, 'COMMA': 235, 'EQUAL': 236, 'MINUS': 237, 'NAME': 238, 'NUMBER': 239, 'PERCENT': 240, 'PLUS': 241, 'SLASH': 242, 'STAR': 243, 'STRING': 244, '_NL': -109, '__unknown_action_star_10': 245, '_loose': 246},  # 193
    {'$END': -98, '_NL': -98},  # 194
    {'EARLY': 247},  # 195
    {'EVERY': -175, 'NAME': -175, 'RBRACE': -175, 'SET': -175, 'STOP': -175, '_NL': -175},  # 196
    {'EVERY': 192, 'NAME': 193, 'RBRACE': 248, 'SET': 8, 'STOP': 195, '_NL': 249, '_body_entry': 250, 'every': 199, 'set': 200, 'stop_early': 201, 'unknown_action': 202},  # 197
    {'_NL': 251},  # 198
    {'_NL': -99},  # 199
    {'_NL': -101},  # 200
    {'_NL': -100},  # 201
    {'_NL': -102},  # 202
    {'$END': -92, 'USING': -92, '_NL': -92},  # 203
    {'$END': -91, 'USING': -91, '_NL': -91},  # 204
    {'$END': -93, '_NL': -93},  # 205
    {'MINUS': 158, 'NUMBER': 159, 'count': 252},  # 206
    {'$END': -75, '_NL': -75},  # 207
    {'$END': -122, 'EPOCHS': -122, 'NESTED': -122, 'ON': -122, 'SEED': -122, '_NL': -122},  # 208
    {'IN': 253},  # 209
    {'ON': -88},  # 210
    {'$END': -68, 'USING': 155, '_NL': -68, 'search': 254},  # 211
    {'$END': -69, '_NL': -69},  # 212
    {'$END': -66, 'MAXIMIZE': 153, 'MINIMIZE': 154, 'USING': 155, '_NL': -66, 'objective': 255, 'search': 256},  # 213
    {'$END': -72, 'USING': 155, '_NL': -72, 'search': 257},  # 214
    {'$END': -73, '_NL': -73},  # 215
    {'$END': -147, 'COMMA': -147, 'MINUS': -147, 'ON': -147, 'PLUS': -147, 'RBRACE': -147, 'RPAR': -147, 'RSQB': -147, 'SLASH': -147, 'STAR': -147, 'USING': -147, '_NL': -147},  # 216
    {'COMMA': -160, 'RBRACE': -160, 'RSQB': -160},  # 217
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'RSQB': 258, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 259, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 218
    {'$END': -146, 'COMMA': -146, 'MINUS': -146, 'ON': -146, 'PLUS': -146, 'RBRACE': -146, 'RPAR': -146, 'RSQB': -146, 'SLASH': -146, 'STAR': -146, 'USING': -146, '_NL': -146},  # 219
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 260, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 220
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 169, 'NUMBER': 79, 'RPAR': 261, 'STRING': 80, 'arg': 262, 'atom': 81, 'call': 82, 'expr': 172, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 221
    {'$END': -141, 'COMMA': -141, 'MINUS': -141, 'ON': -141, 'PLUS': -141, 'RBRACE': -141, 'RPAR': -141, 'RSQB': -141, 'SLASH': -141, 'STAR': -141, 'USING': -141, '_NL': -141},  # 222
    {'COMMA': 263, 'RPAR': 264},  # 223
    {'$END': -172, 'COMMA': -172, '_NL': -172},  # 224
    {'NAME': 265},  # 225
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 266, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 226
    {'LBRACE': 267, 'LPAR': 268, 'LSQB': 269, 'interval': 270, 'set_domain': 271},  # 227
    {'_NL': -36},  # 228
    {'EQUAL': 226, '_NL': -35, 'default_clause': 272},  # 229
    {'$END': -54, '_NL': -54},  # 230
    {'$END': -27, 'COMMA': -27, 'SEED': -27, '_NL': -27},  # 231
    {'$END': -155, 'COMMA': -155, 'SEED': -155, '_NL': -155},  # 232
    {'EPOCHS': 273},  # 233
    {'COLON': -115, 'COMMA': -115, 'EQUAL': -115, 'MINUS': -115, 'NAME': -115, 'NUMBER': -115, 'PERCENT': -115, 'PLUS': -115, 'SLASH': -115, 'STAR': -115, 'STRING': -115, '_NL': -115},  # 234
    {'COLON': -116, 'COMMA': -116, 'EQUAL': -116, 'MINUS': -116, 'NAME': -116, 'NUMBER': -116, 'PERCENT': -116, 'PLUS': -116, 'SLASH': -116, 'STAR': -116, 'STRING': -116, '_NL': -116},  # 235
    {'COLON': -114, 'COMMA': -114, 'EQUAL': -114, 'MINUS': -114, 'NAME': -114, 'NUMBER': -114, 'PERCENT': -114, 'PLUS': -114, 'SLASH': -114, 'STAR': -114, 'STRING': -114, '_NL': -114},  # 236
    {'COLON': -118, 'COMMA': -118, 'EQUAL': -118, 'MINUS': -118, 'NAME': -118, 'NUMBER': -118, 'PERCENT': -118, 'PLUS': -118, 'SLASH': -118, 'STAR': -118, 'STRING': -118, '_NL': -118},  # 237
    {'COLON': -110, 'COMMA': -110, 'EQUAL': -110, 'MINUS': -110, 'NAME': -110, 'NUMBER': -110, 'PERCENT': -110, 'PLUS': -110, 'SLASH': -110, 'STAR': -110, 'STRING': -110, '_NL': -110},  # 238
    {'COLON': -111, 'COMMA': -111, 'EQUAL': -111, 'MINUS': -111, 'NAME': -111, 'NUMBER': -111, 'PERCENT': -111, 'PLUS': -111, 'SLASH': -111, 'STAR': -111, 'STRING': -111, '_NL': -111},  # 239
    {'COLON': -112, 'COMMA': -112, 'EQUAL': -112, 'MINUS': -112, 'NAME': -112, 'NUMBER': -112, 'PERCENT': -112, 'PLUS': -112, 'SLASH': -112, 'STAR': -112, 'STRING': -112, '_NL': -112},  # 240
    {'COLON': -117, 'COMMA': -117, 'EQUAL': -117, 'MINUS': -117, 'NAME': -117, 'NUMBER': -117, 'PERCENT': -117, 'PLUS': -117, 'SLASH': -117, 'STAR': -117, 'STRING': -117, '_NL': -117},  # 241
    {'COLON': -120, 'COMMA': -120, 'EQUAL': -120, 'MINUS': -120, 'NAME': -120, 'NUMBER': -120, 'PERCENT': -120, 'PLUS': -120, 'SLASH': -120, 'STAR': -120, 'STRING': -120, '_NL': -120},  # 242
    {'COLON': -119, 'COMMA': -119, 'EQUAL': -119, 'MINUS': -119, 'NAME': -119, 'NUMBER': -119, 'PERCENT': -119, 'PLUS': -119, 'SLASH': -119, 'STAR': -119, 'STRING': -119, '_NL': -119},  # 243
    {'COLON': -113, 'COMMA': -113, 'EQUAL': -113, 'MINUS': -113, 'NAME': -113, 'NUMBER': -113, 'PERCENT': -113, 'PLUS': -113, 'SLASH': -113, 'STAR': -113, 'STRING': -113, '_NL': -113},  # 244
    {'COLON': 234, 'COMMA': 235, 'EQUAL': 236, 'MINUS': 237, 'NAME': 238, 'NUMBER': 239, 'PERCENT': 240, 'PLUS': 241, 'SLASH': 242, 'STAR': 243, 'STRING': 244, '_NL': -108, '_loose': 274},  # 245
    {'COLON': -178, 'COMMA': -178, 'EQUAL': -178, 'MINUS': -178, 'NAME': -178, 'NUMBER': -178, 'PERCENT': -178, 'PLUS': -178, 'SLASH': -178, 'STAR': -178, 'STRING': -178, '_NL': -178},  # 246
    {'WHEN': 275},  # 247
    {'$END': -97, '_NL': -97},  # 248
    {'EVERY': -177, 'NAME': -177, 'RBRACE': -177, 'SET': -177, 'STOP': -177, '_NL': -177},  # 249
    {'_NL': 276},  # 250
    {'EVERY': -174, 'NAME': -174, 'RBRACE': -174, 'SET': -174, 'STOP': -174, '_NL': -174},  # 251
    {'$END': -95, 'SEED': 277, '_NL': -95, 'search_seed': 278},  # 252
    {'CV': 279},  # 253
    {'$END': -67, '_NL': -67},  # 254
    {'$END': -64, 'USING': 155, '_NL': -64, 'search': 280},  # 255
    {'$END': -65, '_NL': -65},  # 256
    {'$END': -71, '_NL': -71},  # 257
    {'$END': -145, 'COMMA': -145, 'MINUS': -145, 'ON': -145, 'PLUS': -145, 'RBRACE': -145, 'RPAR': -145, 'RSQB': -145, 'SLASH': -145, 'STAR': -145, 'USING': -145, '_NL': -145},  # 258
    {'COMMA': -161, 'RBRACE': -161, 'RSQB': -161},  # 259
    {'COMMA': -144, 'RPAR': -144},  # 260
    {'$END': -140, 'COMMA': -140, 'MINUS': -140, 'ON': -140, 'PLUS': -140, 'RBRACE': -140, 'RPAR': -140, 'RSQB': -140, 'SLASH': -140, 'STAR': -140, 'USING': -140, '_NL': -140},  # 261
    {'COMMA': -180, 'RPAR': -180},  # 262
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 169, 'NUMBER': 79, 'RPAR': 281, 'STRING': 80, 'arg': 282, 'atom': 81, 'call': 82, 'expr': 172, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 263
    {'$END': -139, 'COMMA': -139, 'MINUS': -139, 'ON': -139, 'PLUS': -139, 'RBRACE': -139, 'RPAR': -139, 'RSQB': -139, 'SLASH': -139, 'STAR': -139, 'USING': -139, '_NL': -139},  # 264
    {'$END': -173, 'COMMA': -173, '_NL': -173},  # 265
    {'_NL': -40},  # 266
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 283, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 267
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 284, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 268
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 285, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 269
    {'EQUAL': -38, '_NL': -38},  # 270
    {'EQUAL': -39, '_NL': -39},  # 271
    {'_NL': -34},  # 272
    {'COLON': 286},  # 273
    {'COLON': -179, 'COMMA': -179, 'EQUAL': -179, 'MINUS': -179, 'NAME': -179, 'NUMBER': -179, 'PERCENT': -179, 'PLUS': -179, 'SLASH': -179, 'STAR': -179, 'STRING': -179, '_NL': -179},  # 274
    {'NAME': 287},  # 275
    {'EVERY': -176, 'NAME': -176, 'RBRACE': -176, 'SET': -176, 'STOP': -176, '_NL': -176},  # 276
    {'MINUS': 158, 'NUMBER': 159, 'count': 288},  # 277
    {'$END': -94, '_NL': -94},  # 278
    {'MINUS': 158, 'NUMBER': 159, 'count': 289},  # 279
    {'$END': -63, '_NL': -63},  # 280
    {'$END': -138, 'COMMA': -138, 'MINUS': -138, 'ON': -138, 'PLUS': -138, 'RBRACE': -138, 'RPAR': -138, 'RSQB': -138, 'SLASH': -138, 'STAR': -138, 'USING': -138, '_NL': -138},  # 281
    {'COMMA': -181, 'RPAR': -181},  # 282
    {'COMMA': 290, 'RBRACE': 291, '__set_domain_star_3': 292},  # 283
    {'COMMA': 293},  # 284
    {'COMMA': 294},  # 285
    {'LOG': 295, 'NAME': 193, 'SET': 8, 'log': 296, 'set': 297, 'unknown_action': 298},  # 286
    {'ON': 299},  # 287
    {'$END': -96, '_NL': -96},  # 288
    {'ON': -90},  # 289
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 217, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 290
    {'EQUAL': -46, '_NL': -46},  # 291
    {'COMMA': 300, 'RBRACE': 301},  # 292
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 302, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 293
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 303, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 294
    {'NAME': 304},  # 295
    {'_NL': -103},  # 296
    {'_NL': -104},  # 297
    {'_NL': -105},  # 298
    {'NAME': 305},  # 299
    {'LPAR': 75, 'LSQB': 76, 'MINUS': 77, 'NAME': 78, 'NUMBER': 79, 'STRING': 80, 'atom': 81, 'call': 82, 'expr': 259, 'list': 84, 'product': 85, 'sum': 86, 'unary': 87},  # 300
    {'EQUAL': -45, '_NL': -45},  # 301
    {'RPAR': 306, 'RSQB': 307},  # 302
    {'RPAR': 308, 'RSQB': 309},  # 303
    {'ON': 310},  # 304
    {'HAS': 311},  # 305
    {'EQUAL': -44, '_NL': -44},  # 306
    {'EQUAL': -43, '_NL': -43},  # 307
    {'EQUAL': -42, '_NL': -42},  # 308
    {'EQUAL': -41, '_NL': -41},  # 309
    {'NAME': 312},  # 310
    {'NOT': 313},  # 311
    {'_NL': -106},  # 312
    {'IMPROVED': 314},  # 313
    {'FOR': 315},  # 314
    {'MINUS': 158, 'NUMBER': 159, 'count': 316},  # 315
    {'EPOCHS': 317},  # 316
    {'_NL': -107},  # 317
]
START_STATE = 0
END_STATE = 28
