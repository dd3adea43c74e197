// Parse LogQL queries with Grafana's own LogQL grammar (@grafana/lezer-logql, the grammar Grafana's
// Loki query editor validates with; it follows Loki's pkg/logql/syntax/syntax.y).
// stdin: a JSON array of query strings. stdout: a JSON array, per query null (parsed) or the first
// syntax error as {from, to, text}. lezer recovers from errors by inserting error nodes (the ⚠ node
// type), so a query is valid exactly when its tree has none.
import { parser } from '@grafana/lezer-logql';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const queries = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const firstError = (query) => {
  let found = null;
  parser.parse(query).iterate({
    enter: (node) => {
      if (found) return false;
      if (node.type.isError) {
        found = { from: node.from, to: node.to, text: query.slice(Math.max(0, node.from - 20), node.to + 20) };
        return false;
      }
      return true;
    },
  });
  return found;
};

process.stdout.write(JSON.stringify(queries.map(firstError)));
