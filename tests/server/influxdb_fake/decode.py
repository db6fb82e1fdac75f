"""Request bodies decoded the way upstream's kithttp.API.DecodeJSON decodes them.

That is Go's encoding/json decoding into a request struct: field names match
case-insensitively (an exact match wins), unknown fields are ignored, null
leaves a plain field unset, anything after the first JSON value is not read,
and every syntax or type error carries Go's message behind
"failed to unmarshal json: ".
"""

import json

from .wire import E_INVALID, ApiError, parse_id

# The Go type named in a type error, per field kind.
GO_TYPE_NAMES = {"string": "string", "bool": "bool", "int64": "int64", "id": "platform.ID"}


def plain(value):
    """A decoded JSON value as plain Python: objects as dicts, non-integer numbers as floats."""
    if isinstance(value, _JSONObject):
        return {key: plain(item) for key, item in value}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, _FloatLiteral):
        return float(value.text)
    return value


class Struct:
    """A Go request struct: its name, its Go package and, per JSON field name, (kind, is_pointer) or, for a
    field whose Go type is a named type of the kind (influxdb.Status is a string), (kind, is_pointer, Go type).

    A kind is "string", "bool", "int64", "id", "json" (any value, checked by the resource), a
    Struct (a field that is a struct) or a Slice of structs.
    """

    def __init__(self, name, fields, package="influxdb"):
        self.name = name
        self.fields = fields
        self.go_type = package + "." + name


class Slice:
    """The kind of a field that is a Go slice of structs: a JSON array whose null items are empty structs."""

    def __init__(self, struct):
        self.struct = struct


class _JSONObject(list):
    """A decoded JSON object, kept as an ordered list of (key, value) pairs."""


class _FloatLiteral:
    """A JSON number that is not an integer, with its source text."""

    def __init__(self, text):
        self.text = text


class _BadConstant(ValueError):
    """Raised for NaN / Infinity, which Go's decoder does not accept."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def _raise_bad_constant(text):
    raise _BadConstant(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_JSONObject, parse_float=_FloatLiteral,
                            parse_constant=_raise_bad_constant)


def _invalid(reason):
    return ApiError(E_INVALID, "failed to unmarshal json: " + reason)


def _quote_char(char):
    """Render one offending character the way Go's JSON syntax errors do."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    specials = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\"}
    if char in specials:
        return "'" + specials[char] + "'"
    code = ord(char)
    if code < 0x20 or code == 0x7f:
        return "'\\x%02x'" % code
    if code > 0x7f:
        return "'\\x%02x'" % char.encode("utf-8", "surrogatepass")[0]
    return "'" + char + "'"


def _innermost_container(text, pos):
    """Return '{' or '[' for the innermost container open at pos (or None)."""
    stack = []
    in_string = False
    escaped = False
    for char in text[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _syntax_message(text, error):
    """Translate a Python JSON syntax error into Go's wording."""
    pos = error.pos
    if error.msg.startswith("Unterminated string") or pos >= len(text):
        return "unexpected EOF"
    char = _quote_char(text[pos])
    if error.msg.startswith("Invalid control character"):
        return "invalid character %s in string literal" % char
    if error.msg.startswith("Invalid \\escape") or error.msg.startswith("Invalid \\u"):
        return "invalid character %s in string escape code" % char
    if error.msg.startswith("Expecting property name"):
        return "invalid character %s looking for beginning of object key string" % char
    if error.msg.startswith("Expecting ':'"):
        return "invalid character %s after object key" % char
    if error.msg.startswith("Expecting ','"):
        if _innermost_container(text, pos) == "[":
            return "invalid character %s after array element" % char
        return "invalid character %s after object key:value pair" % char
    literal = {"t": "true", "f": "false", "n": "null"}.get(text[pos])
    if literal is not None:
        for offset, expected in enumerate(literal):
            if pos + offset >= len(text):
                return "unexpected EOF"
            if text[pos + offset] != expected:
                return "invalid character %s in literal %s (expecting '%s')" % (_quote_char(text[pos + offset]), literal, expected)
    if text[pos] == "-":
        if pos + 1 >= len(text):
            return "unexpected EOF"
        return "invalid character %s in numeric literal" % _quote_char(text[pos + 1])
    return "invalid character %s looking for beginning of value" % char


def json_kind(value):
    """The JSON type name Go uses in UnmarshalTypeError.Value, of a value as decoded here or as :func:`plain` gives it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, _FloatLiteral)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dict, _JSONObject)):
        return "object"
    return "array"


def _convert_field(kind, value):
    """Convert one decoded value for a struct field of the given kind.

    Returns (ok, converted, type_error_value). Invalid IDs raise ApiError
    immediately, as Go's decoder aborts on an UnmarshalText error. A "json"
    field takes any value (the resource checks it).
    """
    if kind == "json":
        return True, plain(value), None
    if kind == "string":
        if isinstance(value, str):
            return True, value, None
        return False, None, json_kind(value)
    if kind == "bool":
        if isinstance(value, bool):
            return True, value, None
        return False, None, json_kind(value)
    if kind == "int64":
        if isinstance(value, bool) or not isinstance(value, (int, _FloatLiteral)):
            return False, None, json_kind(value)
        if isinstance(value, _FloatLiteral):
            return False, None, "number " + value.text
        if -(2 ** 63) <= value < 2 ** 63:
            return True, value, None
        return False, None, "number %d" % value
    # kind == "id"
    if isinstance(value, str):
        try:
            return True, parse_id(value), None
        except ApiError as exc:
            raise _invalid(exc.message) from None
    return False, None, json_kind(value)


def decode_struct(body, struct):
    """Decode a request body into struct; return the fields that were set.

    For a pointer field an explicit null is kept as None; for a plain field a
    null is ignored (Go leaves the zero value). Raises ApiError (400) with
    Go's message.
    """
    text = body.decode("utf-8", "replace")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if start >= len(text):
        raise _invalid("EOF")
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except _BadConstant as exc:
        if exc.text.startswith("-"):
            raise _invalid("invalid character 'I' in numeric literal") from None
        raise _invalid("invalid character %s looking for beginning of value" % _quote_char(exc.text[0])) from None
    except json.JSONDecodeError as exc:
        raise _invalid(_syntax_message(text, exc)) from None
    if value is None:
        return {}
    if not isinstance(value, _JSONObject):
        raise _invalid("json: cannot unmarshal %s into Go value of type %s" % (json_kind(value), struct.go_type))
    type_errors = []
    result = _decode_fields(value, struct, "", type_errors)
    if type_errors:
        raise _invalid(type_errors[0])
    return result


def _decode_fields(value, struct, path, type_errors):
    """The fields of struct that a decoded JSON object sets; the type errors met, in body order, go to type_errors.

    path is the dotted path of the object's fields from the request ("" at the top, then
    "retentionRules." and so on): Go names a field by its path and its own struct.
    """
    fields = struct.fields
    lowered = {name.lower(): name for name in fields}
    result = {}

    def type_error(name, bad_value, go_type):
        type_errors.append("json: cannot unmarshal %s into Go struct field %s.%s%s of type %s"
                           % (bad_value, struct.name, path, name, go_type))

    for key, item in value:
        name = key if key in fields else lowered.get(key.lower())
        if name is None:
            continue
        kind, pointer = fields[name][:2]
        if item is None:
            if pointer:
                result[name] = None
            continue
        if isinstance(kind, Struct):
            if isinstance(item, _JSONObject):
                result[name] = _decode_fields(item, kind, path + name + ".", type_errors)
            else:
                type_error(name, json_kind(item), kind.go_type)
            continue
        if isinstance(kind, Slice):
            if json_kind(item) == "array":
                result[name] = [_decode_item(element, kind.struct, name, struct.name, path, type_errors) for element in item]
            else:
                type_error(name, json_kind(item), "[]" + kind.struct.go_type)
            continue
        ok, converted, bad_value = _convert_field(kind, item)
        if ok:
            result[name] = converted
        else:
            go_type = fields[name][2] if len(fields[name]) > 2 else GO_TYPE_NAMES[kind]
            if pointer and kind == "id":
                go_type = "*" + go_type
            type_error(name, bad_value, go_type)
    return result


def _decode_item(element, struct, name, parent, path, type_errors):
    """One item of a slice of structs (field name of the struct parent): null is an empty struct."""
    if isinstance(element, _JSONObject):
        return _decode_fields(element, struct, path + name + ".", type_errors)
    if element is not None:
        type_errors.append("json: cannot unmarshal %s into Go struct field %s.%s%s of type %s"
                           % (json_kind(element), parent, path, name, struct.go_type))
    return {}
