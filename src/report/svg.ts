/**
 * Vega specs rendered to SVG text in Node, with no browser and no canvas: the report's
 * figures are inline SVG, so that the HTML file opens anywhere without a request.
 */
import * as vega from 'vega';

/** The look every figure shares: the page's font, no border, a light grid. */
export const CONFIG: vega.Config = {
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e5e5e5' },
  title: { fontSize: 13, anchor: 'start' },
};

/** Renders one Vega spec to an SVG document's text; throws on a spec that Vega refuses. */
export async function toSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec, CONFIG), { renderer: 'none' });
  try {
    return trimPaths(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Path coordinates cut to a tenth of a pixel: Vega writes up to 14 decimals, and the learning
 * curves of the seed's whole study (160 trials, 2 executions, 50 epochs) filled 1.3 MB with
 * them; a tenth of a pixel is below what any screen shows.
 */
function trimPaths(svg: string): string {
  return svg.replace(/ d="([^"]*)"/g, (_, d: string) => ` d="${d.replace(/(\.\d)\d+/g, '$1')}"`);
}
