#!/usr/bin/env python3
"""Strict checker of the Prometheus text exposition format 0.0.4 (tests/cases/admin_metrics.sh).

Reads the exposition on stdin and checks:
  * every line is `# HELP name text`, `# TYPE name counter|gauge|summary|histogram|untyped`, or a
    sample `name{label="value",...} value [timestamp]` (no other comments, no blank lines); the
    text ends with a newline;
  * metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not __*),
    no label name twice in one sample; label values are double-quoted with only the escapes
    \\\\ \\" \\n; HELP text only has the escapes \\\\ and \\n;
  * the value is a float Go's strconv.ParseFloat accepts (incl. NaN, +Inf, -Inf), the
    timestamp an int64;
  * TYPE and HELP at most once per family, and before any of its samples;
  * all samples of a family are contiguous (summary/histogram _sum/_count/_bucket belong to it);
  * no (name, label set) twice;
  * samples of a counter are named *_total.
Exit 0 when all is well, 1 with "promcheck: line N: reason" (N counted from 1) otherwise.

  promcheck.py [--get 'name{k="v",...}']   after checking, print the value of that sample (the
                                           label set must match exactly); exit 1 if it is absent
"""
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
TYPES = ('counter', 'gauge', 'summary', 'histogram', 'untyped')
FLOAT = re.compile(r'''[+-]?(?:
      (?:[0-9](?:_?[0-9])*)?\.?[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9]+)?   # decimal
    | [0-9]+\.(?:[eE][+-]?[0-9]+)?                                     # "1." "1.e5"
    | 0[xX](?:[0-9a-fA-F_]*\.?[0-9a-fA-F_]+|[0-9a-fA-F_]+\.?)[pP][+-]?[0-9]+  # hex float
    | [iI][nN][fF](?:[iI][nN][iI][tT][yY])?
    | [nN][aA][nN])$''', re.X)
INT64 = re.compile(r'-?[0-9]+$')
HELP_RE = re.compile(r'# HELP (' + NAME + r')(?: (.*))?$')
TYPE_RE = re.compile(r'# TYPE (' + NAME + r') (\S+)$')
NAME_RE = re.compile(NAME)
LABEL_RE = re.compile(LABEL)


class Bad(Exception):
    pass


def parse_float(s):
    if not FLOAT.match(s) or s.lstrip('+-').lower() in ('nan',) and s[0] in '+-':
        raise Bad('value %r is not a float' % s)
    # Go allows underscores only with a base prefix
    if '_' in s and not re.match(r'[+-]?0[xX]', s):
        raise Bad('value %r is not a float (underscore)' % s)
    t = s.replace('_', '')
    low = t.lower().lstrip('+-')
    if low in ('inf', 'infinity'):
        return float(t[0] + 'inf' if t[0] in '+-' else 'inf')
    if low == 'nan':
        return float('nan')
    if 'x' in low:
        return float.fromhex(t)
    return float(t)


def parse_sample(s, allow_value=True):
    """name{labels} value [timestamp] -> (name, labels-dict, value-text)."""
    m = NAME_RE.match(s)
    if not m:
        raise Bad('no metric name at the start')
    name, i, labels = m.group(0), m.end(), {}
    if i < len(s) and s[i] == '{':
        i += 1
        while True:
            if i < len(s) and s[i] == '}':
                i += 1
                break
            lm = LABEL_RE.match(s, i)
            if not lm:
                raise Bad('bad label name at column %d' % (i + 1))
            ln = lm.group(0)
            if ln.startswith('__'):
                raise Bad('reserved label name %s' % ln)
            if ln in labels:
                raise Bad('label %s given twice' % ln)
            i = lm.end()
            if s[i:i + 2] != '="':
                raise Bad('label %s: want ="' % ln)
            i += 2
            val = []
            while True:
                if i >= len(s):
                    raise Bad('label %s: unterminated value' % ln)
                c = s[i]
                if c == '"':
                    i += 1
                    break
                if c == '\\':
                    e = s[i + 1:i + 2]
                    if e not in ('\\', '"', 'n'):
                        raise Bad('label %s: bad escape \\%s' % (ln, e))
                    val.append('\n' if e == 'n' else e)
                    i += 2
                    continue
                if c == '\n':
                    raise Bad('label %s: raw newline' % ln)
                val.append(c)
                i += 1
            labels[ln] = ''.join(val)
            if i < len(s) and s[i] == ',':
                i += 1
                continue
            if i < len(s) and s[i] == '}':
                i += 1
                break
            raise Bad('label list: want , or } at column %d' % (i + 1))
    rest = s[i:]
    if not allow_value:
        if rest:
            raise Bad('trailing text %r' % rest)
        return name, labels, None
    if not rest or rest[0] not in ' \t':
        raise Bad('want whitespace and a value after the name/labels')
    parts = rest.split()
    if len(parts) not in (1, 2) or rest.rstrip(' \t') != rest:
        raise Bad('want "value [timestamp]" after the name/labels, got %r' % rest.strip())
    parse_float(parts[0])
    if len(parts) == 2 and (not INT64.match(parts[1]) or not -2**63 <= int(parts[1]) < 2**63):
        raise Bad('timestamp %r is not an int64' % parts[1])
    return name, labels, parts[0]


def family_of(name, types):
    """The family a sample name belongs to (summary/histogram suffixes)."""
    for suf, kinds in (('_bucket', ('histogram',)), ('_sum', ('summary', 'histogram')),
                       ('_count', ('summary', 'histogram'))):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in kinds:
            return name[:-len(suf)]
    return name


def check(text):
    """Returns {(name, frozenset(labels)): value-text}; raises Bad with .line set."""
    samples, types, helps = {}, {}, set()
    seen_samples = set()     # families that had samples
    closed = set()           # families whose run of samples ended
    current = None           # family of the current run
    if text and not text.endswith('\n'):
        e = Bad('the text does not end with a newline')
        e.line = text.count('\n') + 1
        raise e
    for n, line in enumerate(text.split('\n')[:-1] if text else [], 1):
        try:
            if line.startswith('#'):
                m = HELP_RE.match(line)
                if m:
                    fam, help_text = m.group(1), m.group(2) or ''
                    if fam in helps:
                        raise Bad('second HELP for %s' % fam)
                    if fam in seen_samples:
                        raise Bad('HELP for %s after its samples' % fam)
                    if re.sub(r'\\[\\n]', '', help_text).count('\\'):
                        raise Bad('HELP %s: bad escape (only \\\\ and \\n)' % fam)
                    helps.add(fam)
                    fam_switch = fam
                else:
                    m = TYPE_RE.match(line)
                    if not m:
                        raise Bad('not a HELP/TYPE line nor a sample: %r' % line)
                    fam, kind = m.groups()
                    if kind not in TYPES:
                        raise Bad('TYPE %s: unknown type %r' % (fam, kind))
                    if fam in types:
                        raise Bad('second TYPE for %s' % fam)
                    if fam in seen_samples:
                        raise Bad('TYPE for %s after its samples' % fam)
                    types[fam] = kind
                    fam_switch = fam
                # metadata of another family ends the current run
                if current is not None and fam_switch != current:
                    closed.add(current)
                    current = None
                continue
            if line == '':
                raise Bad('blank line')
            name, labels, value = parse_sample(line)
            fam = family_of(name, types)
            if fam != current:
                if fam in closed or (fam in seen_samples and current is not None):
                    raise Bad('samples of %s are not contiguous' % fam)
                if current is not None:
                    closed.add(current)
                current = fam
            seen_samples.add(fam)
            kind = types.get(fam, 'untyped')
            if kind == 'counter' and not name.endswith('_total'):
                raise Bad('counter sample %s is not named *_total' % name)
            if kind == 'histogram' and name.endswith('_bucket') and 'le' not in labels:
                raise Bad('histogram bucket %s without le' % name)
            if kind == 'summary' and name == fam and 'quantile' not in labels:
                raise Bad('summary sample %s without quantile' % name)
            key = (name, frozenset(labels.items()))
            if key in samples:
                raise Bad('duplicate sample %s%s' % (name, fmt_labels(labels)))
            samples[key] = value
        except Bad as e:
            e.line = n
            raise
    return samples


def fmt_labels(labels):
    return '{' + ','.join('%s="%s"' % kv for kv in sorted(labels.items())) + '}' if labels else ''


def main(argv):
    get = None
    if len(argv) == 2 and argv[0] == '--get':
        get = argv[1]
    elif argv:
        print('usage: promcheck.py [--get \'name{k="v",...}\'] < metrics.txt', file=sys.stderr)
        return 2
    text = sys.stdin.buffer.read()
    try:
        text = text.decode('utf-8')
    except UnicodeDecodeError as e:
        print('promcheck: the text is not UTF-8: %s' % e, file=sys.stderr)
        return 1
    try:
        samples = check(text)
    except Bad as e:
        print('promcheck: line %d: %s' % (e.line, e), file=sys.stderr)
        return 1
    if get is None:
        return 0
    try:
        name, labels, _ = parse_sample(get, allow_value=False)
    except Bad as e:
        print('promcheck: --get %s: %s' % (get, e), file=sys.stderr)
        return 2
    v = samples.get((name, frozenset(labels.items())))
    if v is None:
        print('promcheck: no sample %s%s' % (name, fmt_labels(labels)), file=sys.stderr)
        return 1
    print(v)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
