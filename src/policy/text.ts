/**
 * At least one character a person can see: not white space, not a default-ignorable code point (zero-width space,
 * joiners, word joiner, Hangul fillers, variation selectors, tag characters), not a control, format, private-use,
 * surrogate or unassigned code point, not a combining mark on its own, not the Braille blank. So a justification or an
 * approver of "\u200b" is refused: the field is required because somebody must be seen to have said something.
 */
export const VISIBLE_CHARACTER = "[^\\p{White_Space}\\p{Default_Ignorable_Code_Point}\\p{C}\\p{M}\\u2800]";

const VISIBLE = new RegExp(VISIBLE_CHARACTER, "u");

export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text);
}
