/** A route constraint (`{id:int}`, `{name:length(3,8)}` …) as ASP.NET Core's route templates define them. */
export type RouteConstraint = (value: string) => boolean;

const INT32 = { min: -2147483648, max: 2147483647 };
const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numbers(args: string, count: number[], name: string): number[] {
  const parts = args.split(",").map((p) => p.trim());
  const values = parts.map(Number);
  if (!count.includes(parts.length) || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`Route constraint "${name}(${args})" needs ${count.join(" or ")} numeric argument(s).`);
  }
  return values;
}

/** Parses one constraint (the text after a ':' in a route parameter); unknown constraints are an error at load time. */
export function parseConstraint(text: string): RouteConstraint {
  const match = /^([a-zA-Z]+)(?:\((.*)\))?$/s.exec(text);
  if (!match) throw new Error(`Route constraint "${text}" is malformed.`);
  const name = match[1]!.toLowerCase();
  const args = match[2];
  switch (name) {
    case "int":
      return (v) => INTEGER.test(v) && Number(v) >= INT32.min && Number(v) <= INT32.max;
    case "long":
      return (v) => INTEGER.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;
    case "bool":
      return (v) => /^(true|false)$/i.test(v);
    case "decimal":
      return (v) => DECIMAL.test(v);
    case "double":
    case "float":
      return (v) => FLOAT.test(v);
    case "guid":
      return (v) => GUID.test(v);
    case "datetime":
      return (v) => !Number.isNaN(Date.parse(v));
    case "alpha":
      return (v) => /^[a-z]+$/i.test(v);
    case "required":
      return (v) => v.length > 0;
    case "minlength": {
      const [min] = numbers(args ?? "", [1], name);
      return (v) => v.length >= min!;
    }
    case "maxlength": {
      const [max] = numbers(args ?? "", [1], name);
      return (v) => v.length <= max!;
    }
    case "length": {
      const values = numbers(args ?? "", [1, 2], name);
      const [min, max] = values.length === 1 ? [values[0]!, values[0]!] : [values[0]!, values[1]!];
      return (v) => v.length >= min && v.length <= max;
    }
    case "min": {
      const [min] = numbers(args ?? "", [1], name);
      return (v) => INTEGER.test(v) && Number(v) >= min!;
    }
    case "max": {
      const [max] = numbers(args ?? "", [1], name);
      return (v) => INTEGER.test(v) && Number(v) <= max!;
    }
    case "range": {
      const [min, max] = numbers(args ?? "", [2], name);
      return (v) => INTEGER.test(v) && Number(v) >= min! && Number(v) <= max!;
    }
    case "regex": {
      if (args === undefined) throw new Error(`Route constraint "regex" needs a pattern.`);
      // ASP.NET matches regex constraints case-insensitively against the whole value only if the pattern anchors itself.
      const pattern = new RegExp(args, "i");
      return (v) => pattern.test(v);
    }
    default:
      throw new Error(`Route constraint "${text}" is not supported.`);
  }
}
