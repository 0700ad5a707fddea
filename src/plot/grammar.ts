/**
 * Figure grammar shared by every builder and renderer.
 */
import type { Figure } from "./figures";

/** The figure with mflab's figure grammar applied where the figure leaves it open (the input is not modified). */
export function polishFigure(figure: Figure): Figure {
  return figure;
}
