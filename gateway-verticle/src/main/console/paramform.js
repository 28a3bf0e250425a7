// An operation type's parameters as form fields, built from what the server says of the type
// (ops.types / GET /api/operation-types: name, kind string | int | enum, pattern, values, required).
// Numbers are read as numbers and sent as JSON numbers; enums are a choice; patterns are checked
// here first (the server checks again and has the last word).

import { h } from './ui.js';

/** Friendlier examples for the built-in types' parameters. */
const EXAMPLES = { service: 'nginx', domain: 'example.org' };

/** A pattern from the server (Java syntax) as a JavaScript RegExp; null when JavaScript cannot read it. */
function regexp(pattern) {
  if (!pattern) return null;
  try {
    return new RegExp(pattern);
  } catch (e) {
    return null;
  }
}

/**
 * The fields of one type's parameters. Returns {fields: [elements], read(): {params} | {error, field}}.
 * Each field is named after its parameter and says its kind in data-kind.
 */
export function paramFields(type, { idPrefix = '' } = {}) {
  const inputs = (type.params || []).map((p) => {
    const label = p.name + (p.required === false ? ' (optional)' : '');
    let input;
    if (p.kind === 'enum') {
      input = h('select', { name: p.name, 'aria-label': label, dataset: { kind: 'enum' } },
        p.required === false ? h('option', { value: '' }, '— ' + p.name + ' —') : null,
        (p.values || []).map((v) => h('option', { value: v }, v)));
    } else if (p.kind === 'int') {
      input = h('input', { name: p.name, type: 'number', step: '1', inputmode: 'numeric', placeholder: p.name, 'aria-label': label, dataset: { kind: 'int' } });
    } else {
      input = h('input', { name: p.name, placeholder: EXAMPLES[p.name] || p.name, 'aria-label': label, dataset: { kind: 'string' },
        title: p.pattern ? 'must match ' + p.pattern : null });
    }
    if (idPrefix) input.id = idPrefix + p.name;
    return { p, input };
  });

  function read() {
    const params = {};
    for (const { p, input } of inputs) {
      const raw = input.value.trim();
      if (!raw) {
        if (p.required === false) continue;
        return { error: p.name + ' is required', field: input };
      }
      if (p.kind === 'int') {
        const n = Number(raw);
        if (!Number.isInteger(n)) return { error: p.name + ' must be a whole number', field: input };
        params[p.name] = n;
      } else if (p.kind === 'enum') {
        if (!(p.values || []).includes(raw)) return { error: p.name + ' must be one of ' + (p.values || []).join(', '), field: input };
        params[p.name] = raw;
      } else {
        if (raw.startsWith('-')) return { error: p.name + ' may not start with "-"', field: input };
        const re = regexp(p.pattern);
        if (re && !re.test(raw)) return { error: '"' + raw + '" is not a valid ' + p.name, field: input };
        params[p.name] = raw;
      }
    }
    return { params };
  }

  return { fields: inputs.map((i) => i.input), read };
}
