import t from 'tap';
import {
  composeStatusPosts,
  composeStatusReply,
  CONTROL_OR_FORMAT,
  firstControlOrFormat,
  plainText,
  type OfficeChange,
} from '../src/index.js';

const NOW = new Date('2026-11-26T10:00:00Z');

void t.test('control and format characters: Cc, Cf and the line and paragraph separators, nothing else', async (t) => {
  const refused: [string, string][] = [
    ['\u202e', 'U+202E'], // right-to-left override
    ['\u2066', 'U+2066'], // left-to-right isolate
    ['\u200b', 'U+200B'], // zero-width space
    ['\u200d', 'U+200D'], // zero-width joiner
    ['\ufeff', 'U+FEFF'],
    ['\u00ad', 'U+00AD'], // soft hyphen
    ['\u{e0067}', 'U+E0067'], // a tag character
    ['\u0007', 'U+0007'], // BEL
    ['\u001b', 'U+001B'], // ESC
    ['\u0085', 'U+0085'], // NEL
    ['\n', 'U+000A'],
    ['\t', 'U+0009'],
    ['\u2028', 'U+2028'],
    ['\u2029', 'U+2029'],
    ['\u0000', 'U+0000'],
  ];
  for (const [character, name] of refused) t.equal(firstControlOrFormat(`Closed ${character}today`), name, name);
  // The Welsh flag is a black flag and tag characters; a family, people joined by U+200D.
  t.equal(
    firstControlOrFormat('Cymru 🏴󠁧󠁢󠁷󠁬󠁳󠁿'),
    'U+E0067',
    'a subdivision flag: tag characters (refused: the rule is plain)',
  );
  t.equal(firstControlOrFormat('👨‍👩‍👧'), 'U+200D', 'a ZWJ sequence (refused: the rule is plain)');
  for (const text of [
    'Ar gau heddiw: Aberdâr, Dŵr, Tŷ, Llŷn',
    'Closed 😀',
    'UK 🇬🇧',
    'With love ❤️',
    'Keycap 1️⃣',
    'café',
    'İstanbul ﬃ 𝕏',
    'a\u00a0b (no-break space)',
    'Ц ع ש 中文',
  ]) {
    t.equal(firstControlOrFormat(text), null, text);
  }
  t.notOk(CONTROL_OR_FORMAT.test('Ar gau oherwydd eira ❄️'));
});

void t.test('plainText: format characters go, control characters and line breaks become a space', async (t) => {
  t.equal(plainText('Snow\u202e in\u200b Cumbria\ufeff'), 'Snow in Cumbria');
  t.equal(plainText('Closed\r\nuntil\tMonday\u2028now'), 'Closed until Monday now');
  t.equal(plainText('Aberdâr 😀 🇬🇧'), 'Aberdâr 😀 🇬🇧', 'ordinary text is left as it is');
});

void t.test(
  'posts and replies name offices without control or format characters, whatever the register holds',
  async (t) => {
    const dirty = 'Carl\u202eisle\u200b\nTown\u00ad';
    const change: OfficeChange = {
      officeName: dirty,
      welshName: 'Caer\u2066liwelydd\u2069',
      status: 'closed',
      cause: 'weather',
      expectedReopenAt: null,
      reopenCertainty: 'unknown',
    };
    const posts = composeStatusPosts(
      { handle: 'JCPinCumbria', languages: ['en', 'cy'], includeLink: false },
      [change],
      NOW,
    );
    const texts = posts.flatMap((p) => p.parts);
    t.ok(texts.length === 2);
    for (const text of texts) t.equal(firstControlOrFormat(text.replace(/\n/g, ' ')), null, text);
    t.match(texts[0], /Carlisle Town is closed/);
    t.match(texts[1], /Mae Caerliwelydd ar gau/);
    const reply = composeStatusReply({ language: 'en', asked: [{ ...change, status: 'open', cause: null }], now: NOW });
    t.equal(reply, 'Thanks for asking. Carlisle Town is open as normal.');
  },
);
