// The databases the local Kusto server serves: shaped like the public "Samples" database of help.kusto.windows.net,
// plus ContosoSales and SecurityLogs. Every row is generated deterministically from its index (seeded PRNG), so
// large tables are produced on the fly while streaming and never held in memory.

import {
  ColumnSchema,
  DecimalValue,
  MAX_DATETIME_TICKS,
  MAX_TIMESPAN_TICKS,
  MIN_TIMESPAN_TICKS,
  Row,
  ScalarType,
  TICKS_PER_MINUTE,
  datetimeFromIso,
  formatDatetime,
} from './kustoTypes';

export interface TableDefinition {
  readonly name: string;
  readonly folder: string;
  readonly docString: string;
  readonly columns: readonly ColumnSchema[];
  readonly rowCount: number;
  rows(): Iterable<Row>;
}

export interface MaterializedViewDefinition {
  readonly name: string;
  readonly folder: string;
  readonly docString: string;
  readonly source: string;
  /** KQL run against the source table to produce the view (the server evaluates it). */
  readonly query: string;
}

export interface ExternalTableDefinition extends TableDefinition {
  readonly tableType: 'Blob' | 'Sql';
}

export interface FunctionParameter {
  readonly name: string;
  readonly type: ScalarType;
  /** CSL literal of the default value, e.g. "0" or "\"TEXAS\"". */
  readonly defaultValue?: string;
}

export interface FunctionDefinition {
  readonly name: string;
  readonly parameters: readonly FunctionParameter[];
  /** Body as Kusto returns it: with braces. */
  readonly body: string;
  readonly folder: string;
  readonly docString: string;
}

export interface DatabaseDefinition {
  readonly name: string;
  readonly databaseId: string;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly tables: readonly TableDefinition[];
  readonly materializedViews: readonly MaterializedViewDefinition[];
  readonly externalTables: readonly ExternalTableDefinition[];
  readonly functions: readonly FunctionDefinition[];
}

/** mulberry32: tiny, fast and good enough for sample data. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedFor(tableSeed: number, index: number): number {
  // Mix the index so neighbouring rows do not get correlated sequences.
  let h = (tableSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function generatedTable(
  definition: Omit<TableDefinition, 'rows'>,
  seed: number,
  rowAt: (index: number, random: () => number) => Row,
): TableDefinition {
  return {
    ...definition,
    *rows() {
      for (let index = 0; index < definition.rowCount; index++) {
        yield rowAt(index, createRandom(seedFor(seed, index)));
      }
    },
  };
}

function literalTable(definition: Omit<TableDefinition, 'rows' | 'rowCount'>, data: readonly Row[]): TableDefinition {
  return { ...definition, rowCount: data.length, rows: () => data.map((row) => [...row]) };
}

function guidFrom(random: () => number): string {
  const hex = (count: number) =>
    Array.from({ length: count }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(random, ['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}

// ---------------------------------------------------------------- StormEvents

const STATES = [
  'TEXAS', 'KANSAS', 'IOWA', 'ILLINOIS', 'MISSOURI', 'GEORGIA', 'MINNESOTA', 'WISCONSIN', 'NEBRASKA', 'NEW YORK',
  'PENNSYLVANIA', 'NORTH CAROLINA', 'OKLAHOMA', 'VIRGINIA', 'OHIO', 'KENTUCKY', 'SOUTH DAKOTA', 'COLORADO',
  'TENNESSEE', 'ALABAMA', 'MICHIGAN', 'INDIANA', 'MISSISSIPPI', 'ARKANSAS', 'SOUTH CAROLINA', 'NORTH DAKOTA',
  'FLORIDA', 'MONTANA', 'CALIFORNIA', 'LOUISIANA', 'WYOMING', 'NEW MEXICO', 'ARIZONA', 'MARYLAND', 'WEST VIRGINIA',
  'NEW JERSEY', 'OREGON', 'WASHINGTON', 'IDAHO', 'UTAH', 'NEVADA', 'MAINE', 'VERMONT', 'NEW HAMPSHIRE',
  'MASSACHUSETTS', 'CONNECTICUT', 'DELAWARE', 'RHODE ISLAND', 'ALASKA', 'HAWAII', 'ATLANTIC SOUTH',
  'GULF OF MEXICO', 'LAKE MICHIGAN', 'ATLANTIC NORTH', 'PUERTO RICO', 'E PACIFIC',
];
const STATE_WEIGHTS = STATES.map((_, index) => 1 / (index + 3));
const EVENT_TYPES = [
  'Thunderstorm Wind', 'Hail', 'Flash Flood', 'Drought', 'Winter Weather', 'Winter Storm', 'Heavy Snow',
  'High Wind', 'Frost/Freeze', 'Flood', 'Marine Thunderstorm Wind', 'Tornado', 'Heavy Rain', 'Strong Wind',
  'Funnel Cloud', 'Dense Fog', 'Excessive Heat', 'Heat', 'Lightning', 'Blizzard', 'Ice Storm', 'Waterspout',
  'Wildfire', 'Cold/Wind Chill', 'Rip Current', 'Tropical Storm', 'Coastal Flood', 'Dust Storm', 'Avalanche',
];
const EVENT_WEIGHTS = EVENT_TYPES.map((_, index) => 1 / (index + 1.5));
const SOURCES = [
  'Trained Spotter', 'Law Enforcement', 'Public', 'Emergency Manager', 'COOP Observer', 'Broadcast Media',
  'Newspaper', 'NWS Storm Survey', 'ASOS', 'Mesonet', 'Storm Chaser', 'Amateur Radio', 'Fire Department/Rescue',
  'Social Media', 'AWOS', 'Official NWS Observations', 'CoCoRaHS', 'Utility Company', 'Park/Forest Service',
];
const PLACES = [
  'MELBOURNE BEACH', 'EASTON', 'DIAMOND', 'SPRINGFIELD', 'GREENVILLE', 'FRANKLIN', 'CLINTON', 'MADISON',
  'GEORGETOWN', 'SALEM', 'FAIRVIEW', 'RIVERSIDE', 'OAK GROVE', 'MILTON', 'ASHLAND', 'BURLINGTON', 'MANCHESTER',
  'CLAYTON', 'DAYTON', 'LEBANON', 'HUDSON', 'KINGSTON', 'WINCHESTER', 'PLEASANT HILL', 'CENTERVILLE',
];

function weightedPicker<T>(items: readonly T[], weights: readonly number[]): (random: () => number) => T {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const weight of weights) {
    running += weight / total;
    cumulative.push(running);
  }
  return (random) => {
    const r = random();
    for (let i = 0; i < cumulative.length; i++) {
      if (r < cumulative[i]) {
        return items[i];
      }
    }
    return items[items.length - 1];
  };
}

const pickState = weightedPicker(STATES, STATE_WEIGHTS);
const pickEventType = weightedPicker(EVENT_TYPES, EVENT_WEIGHTS);

export const STORM_EVENTS_COLUMNS: readonly ColumnSchema[] = [
  { name: 'StartTime', type: 'datetime', docString: 'The start date time of the storm event' },
  { name: 'EndTime', type: 'datetime', docString: 'The end date time of the storm event' },
  { name: 'EpisodeId', type: 'int', docString: 'Identifier of the storm episode' },
  { name: 'EventId', type: 'int', docString: 'Identifier of the storm event' },
  { name: 'State', type: 'string', docString: 'The state the storm event occurred in' },
  { name: 'EventType', type: 'string', docString: 'The type of the storm event' },
  { name: 'InjuriesDirect', type: 'int', docString: 'Number of direct injuries' },
  { name: 'InjuriesIndirect', type: 'int', docString: 'Number of indirect injuries' },
  { name: 'DeathsDirect', type: 'int', docString: 'Number of direct deaths' },
  { name: 'DeathsIndirect', type: 'int', docString: 'Number of indirect deaths' },
  { name: 'DamageProperty', type: 'int', docString: 'Estimated property damage in US dollars' },
  { name: 'DamageCrops', type: 'int', docString: 'Estimated crop damage in US dollars' },
  { name: 'Source', type: 'string', docString: 'Source of the report' },
  { name: 'BeginLocation', type: 'string', docString: 'Location where the event began' },
  { name: 'EndLocation', type: 'string', docString: 'Location where the event ended' },
  { name: 'BeginLat', type: 'real', docString: 'Latitude where the event began' },
  { name: 'BeginLon', type: 'real', docString: 'Longitude where the event began' },
  { name: 'EndLat', type: 'real', docString: 'Latitude where the event ended' },
  { name: 'EndLon', type: 'real', docString: 'Longitude where the event ended' },
  { name: 'EpisodeNarrative', type: 'string', docString: 'Narrative of the storm episode' },
  { name: 'EventNarrative', type: 'string', docString: 'Narrative of the storm event' },
  { name: 'StormSummary', type: 'dynamic', docString: 'Summary of the storm event as a property bag' },
];

const STORM_YEAR_START = datetimeFromIso('2007-01-01T00:00:00Z');
const MINUTES_IN_2007 = 365 * 24 * 60;

function withThousandsSeparators(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function stormEventRow(index: number, random: () => number): Row {
  const startTicks = STORM_YEAR_START + BigInt(Math.floor(random() * MINUTES_IN_2007)) * TICKS_PER_MINUTE;
  const durationMinutes = random() < 0.4 ? 0 : Math.floor(random() * random() * 3 * 24 * 60);
  const endTicks = startTicks + BigInt(durationMinutes) * TICKS_PER_MINUTE;
  const state = pickState(random);
  const eventType = pickEventType(random);
  const injuriesDirect = random() < 0.03 ? Math.floor(random() * 40) : 0;
  const injuriesIndirect = random() < 0.01 ? Math.floor(random() * 10) : 0;
  const deathsDirect = random() < 0.005 ? 1 + Math.floor(random() * 5) : 0;
  const deathsIndirect = random() < 0.002 ? 1 : 0;
  const damageProperty = random() < 0.3 ? Math.floor(random() * random() * 5_000_000) : 0;
  const damageCrops = random() < 0.05 ? Math.floor(random() * 1_000_000) : 0;
  const source = pick(random, SOURCES);
  const hasLocation = random() < 0.55;
  const beginLocation = hasLocation ? pick(random, PLACES) : '';
  const endLocation = hasLocation ? (random() < 0.7 ? beginLocation : pick(random, PLACES)) : '';
  const beginLat = hasLocation ? Math.round((25 + random() * 23) * 10000) / 10000 : null;
  const beginLon = hasLocation ? Math.round((-124 + random() * 57) * 10000) / 10000 : null;
  const endLat = beginLat === null ? null : Math.round((beginLat + (random() - 0.5) * 0.2) * 10000) / 10000;
  const endLon = beginLon === null ? null : Math.round((beginLon + (random() - 0.5) * 0.2) * 10000) / 10000;
  const episodeId = 1000 + Math.floor(index / 7) + Math.floor(random() * 3);
  const eventId = 5000 + index;
  const episodeNarrative =
    `A ${eventType.toLowerCase()} system moved across ${state.toLowerCase()} ` +
    `bringing ${pick(random, ['heavy', 'scattered', 'isolated', 'widespread'])} impacts to the area.`;
  const eventNarrative =
    damageProperty > 0
      ? `${source} reported damage estimated at $${withThousandsSeparators(damageProperty)} near ${beginLocation || state}.`
      : `${source} reported ${eventType.toLowerCase()} near ${beginLocation || state}.`;
  const stormSummary = {
    TotalDamages: damageProperty + damageCrops,
    StartTime: formatDatetime(startTicks),
    EndTime: formatDatetime(endTicks),
    Details: { Description: eventNarrative, Location: state },
  };
  return [
    startTicks, endTicks, episodeId, eventId, state, eventType, injuriesDirect, injuriesIndirect, deathsDirect,
    deathsIndirect, damageProperty, damageCrops, source, beginLocation, endLocation, beginLat, beginLon, endLat,
    endLon, episodeNarrative, eventNarrative, stormSummary,
  ];
}

/** Row count of StormEvents in the public Samples database, kept for familiarity. */
export const STORM_EVENTS_ROW_COUNT = 59066;
export const STORM_EVENTS_LARGE_ROW_COUNT = 1_000_000;

// ---------------------------------------------------------------- Samples: other tables

const POPULATION_2020: ReadonlyArray<readonly [string, number]> = [
  ['CALIFORNIA', 39538223], ['TEXAS', 29145505], ['FLORIDA', 21538187], ['NEW YORK', 20201249],
  ['PENNSYLVANIA', 13002700], ['ILLINOIS', 12812508], ['OHIO', 11799448], ['GEORGIA', 10711908],
  ['NORTH CAROLINA', 10439388], ['MICHIGAN', 10077331], ['NEW JERSEY', 9288994], ['VIRGINIA', 8631393],
  ['WASHINGTON', 7705281], ['ARIZONA', 7151502], ['MASSACHUSETTS', 7029917], ['TENNESSEE', 6910840],
  ['INDIANA', 6785528], ['MARYLAND', 6177224], ['MISSOURI', 6154913], ['WISCONSIN', 5893718],
  ['COLORADO', 5773714], ['MINNESOTA', 5706494], ['SOUTH CAROLINA', 5118425], ['ALABAMA', 5024279],
  ['LOUISIANA', 4657757], ['KENTUCKY', 4505836], ['OREGON', 4237256], ['OKLAHOMA', 3959353],
  ['CONNECTICUT', 3605944], ['UTAH', 3271616], ['IOWA', 3190369], ['NEVADA', 3104614], ['ARKANSAS', 3011524],
  ['MISSISSIPPI', 2961279], ['KANSAS', 2937880], ['NEW MEXICO', 2117522], ['NEBRASKA', 1961504],
  ['IDAHO', 1839106], ['WEST VIRGINIA', 1793716], ['HAWAII', 1455271], ['NEW HAMPSHIRE', 1377529],
  ['MAINE', 1362359], ['RHODE ISLAND', 1097379], ['MONTANA', 1084225], ['DELAWARE', 989948],
  ['SOUTH DAKOTA', 886667], ['NORTH DAKOTA', 779094], ['ALASKA', 733391], ['VERMONT', 643077],
  ['WYOMING', 576851], ['PUERTO RICO', 3285874],
];

export const EDGE_LONG = 9007199254740993n;
export const XSS_STRING = '<img src=x onerror=alert(1)>';

const ALL_TYPES_COLUMNS: readonly ColumnSchema[] = [
  { name: 'Id', type: 'int', docString: 'Row number' },
  { name: 'Description', type: 'string', docString: 'What this row exercises' },
  { name: 'BoolValue', type: 'bool' },
  { name: 'IntValue', type: 'int' },
  { name: 'LongValue', type: 'long', docString: 'Includes 9007199254740993, which a JS number cannot hold' },
  { name: 'RealValue', type: 'real', docString: 'Includes NaN and the infinities' },
  { name: 'DecimalValue', type: 'decimal' },
  { name: 'StringValue', type: 'string' },
  { name: 'DateTimeValue', type: 'datetime' },
  { name: 'TimeSpanValue', type: 'timespan' },
  { name: 'GuidValue', type: 'guid' },
  { name: 'DynamicValue', type: 'dynamic' },
];

const ALL_TYPES_ROWS: readonly Row[] = [
  [1, 'typical values', true, 42, 1234567890123n, 3.14159, new DecimalValue('12345.6789'), 'hello',
    datetimeFromIso('2007-01-01T00:00:00Z'), 3723n * 10_000_000n + 1_234_567n, '74be27de-1e4e-49d9-b579-fe0b331d3642',
    { name: 'value', list: [1, 2, 3], nested: { flag: true } }],
  [2, 'edge values', false, 2147483647, EDGE_LONG, Number.NaN, new DecimalValue('79228162514264337593543950335'),
    XSS_STRING, datetimeFromIso('2020-03-04T14:05:01.3109965Z'), 93784n * 10_000_000n,
    '00000000-0000-0000-0000-000000000000', [1, 'two', { three: 3 }, null]],
  [3, 'null of every type', null, null, null, null, null, null, null, null, null, null],
  [4, 'minimum values', false, -2147483648, -9223372036854775808n, -Infinity, new DecimalValue('-0.0000001'),
    'Zürich 東京 🌩️ "quoted" \\ back\\slash', datetimeFromIso('0001-01-01T00:00:00Z'), MIN_TIMESPAN_TICKS,
    'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a bare dynamic string'],
  [5, 'maximum values', true, 0, 9223372036854775807n, Infinity, new DecimalValue('0'),
    'line one\nline two\ttabbed\r\n', MAX_DATETIME_TICKS, MAX_TIMESPAN_TICKS, '12345678-90ab-cdef-1234-567890abcdef',
    { emptyArray: [], emptyObject: {}, number: 1.5e300 }],
  [6, 'negative and fractional', false, -1, -1n, -0.5, new DecimalValue('-1.5'), '',
    datetimeFromIso('1969-12-31T23:59:59.999Z'), -(1n * 10_000_000n + 5_000_000n), 'b5b0c1d2-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
    -42],
];

function samplesDatabase(): DatabaseDefinition {
  const stormEvents = generatedTable(
    {
      name: 'StormEvents',
      folder: 'Storm_Events',
      docString: 'US storm events. Generated data shaped like https://www.ncdc.noaa.gov/stormevents',
      columns: STORM_EVENTS_COLUMNS,
      rowCount: STORM_EVENTS_ROW_COUNT,
    },
    2007,
    stormEventRow,
  );
  const stormEventsLarge = generatedTable(
    {
      name: 'StormEventsLarge',
      folder: 'Storm_Events',
      docString: 'One million StormEvents-shaped rows, generated on the fly (for benchmarks).',
      columns: STORM_EVENTS_COLUMNS,
      rowCount: STORM_EVENTS_LARGE_ROW_COUNT,
    },
    1_000_007,
    (index, random) => stormEventRow(index, random),
  );
  const populationData = literalTable(
    {
      name: 'PopulationData',
      folder: 'Demographics',
      docString: 'Population of US states (2020 census)',
      columns: [
        { name: 'State', type: 'string', docString: 'US state name, upper case' },
        { name: 'Population', type: 'long', docString: 'Number of residents' },
      ],
    },
    POPULATION_2020.map(([state, population]) => [state, BigInt(population)]),
  );
  const allTypes = literalTable(
    {
      name: 'AllDataTypes',
      folder: 'Diagnostics/Types',
      docString: 'One column of every Kusto scalar type, with edge values and nulls',
      columns: ALL_TYPES_COLUMNS,
    },
    ALL_TYPES_ROWS,
  );
  const emptyTable = literalTable(
    {
      name: 'EmptyTable',
      folder: 'Diagnostics',
      docString: 'A table with columns but no rows',
      columns: [
        { name: 'Timestamp', type: 'datetime' },
        { name: 'Message', type: 'string' },
      ],
    },
    [],
  );
  const externalArchive: ExternalTableDefinition = {
    ...literalTable(
      {
        name: 'StormArchive',
        folder: 'External',
        docString: 'Archived storm reports in blob storage (external table)',
        columns: [
          { name: 'Year', type: 'int' },
          { name: 'State', type: 'string' },
          { name: 'EventCount', type: 'long' },
        ],
      },
      [
        [2005, 'TEXAS', 3120n],
        [2005, 'KANSAS', 2451n],
        [2006, 'TEXAS', 2987n],
        [2006, 'IOWA', 1875n],
      ],
    ),
    tableType: 'Blob',
  };
  return {
    name: 'Samples',
    databaseId: 'a0c2f5d4-5b4e-4f5c-9d4f-2e1b7c8a9d01',
    majorVersion: 3,
    minorVersion: 141,
    tables: [stormEvents, stormEventsLarge, populationData, allTypes, emptyTable],
    materializedViews: [
      {
        name: 'StormEventsByState',
        folder: 'Storm_Events',
        docString: 'Number of storm events per state (materialized view)',
        source: 'StormEvents',
        query: 'StormEvents | summarize EventCount = count() by State',
      },
    ],
    externalTables: [externalArchive],
    functions: [
      {
        name: 'StormsInState',
        parameters: [
          { name: 'state', type: 'string' },
          { name: 'minDamage', type: 'long', defaultValue: '0' },
        ],
        body: '{\n    StormEvents\n    | where State == state and DamageProperty >= minDamage\n}',
        folder: 'Storm_Events',
        docString: 'Storm events of one state with at least the given property damage',
      },
      {
        name: 'TopDamagingStorms',
        parameters: [],
        body: '{\n    StormEvents\n    | top 10 by DamageProperty desc\n}',
        folder: '',
        docString: 'The ten storms with the most property damage',
      },
    ],
  };
}

// ---------------------------------------------------------------- ContosoSales and SecurityLogs

const PRODUCT_CATEGORIES = ['Audio', 'Cameras and camcorders', 'Cell phones', 'Computers', 'TV and Video', 'Music, Movies and Audio Books'];
const CITIES = ['Seattle', 'London', 'Berlin', 'Paris', 'Tokyo', 'Sydney', 'Toronto', 'Madrid', 'Oslo', 'Cairo'];
const SALES_YEAR_START = datetimeFromIso('2023-01-01T00:00:00Z');

function contosoSalesDatabase(): DatabaseDefinition {
  const products = generatedTable(
    {
      name: 'Products',
      folder: 'Dimensions',
      docString: 'Products sold by Contoso',
      columns: [
        { name: 'ProductKey', type: 'long' },
        { name: 'ProductName', type: 'string' },
        { name: 'ProductCategoryName', type: 'string' },
        { name: 'UnitPrice', type: 'decimal' },
      ],
      rowCount: 120,
    },
    31,
    (index, random) => {
      const category = pick(random, PRODUCT_CATEGORIES);
      return [
        BigInt(index + 1),
        `Contoso ${category.split(' ')[0]} Model ${String(index + 1).padStart(3, '0')}`,
        category,
        new DecimalValue((Math.floor(random() * 200000) / 100 + 5).toFixed(2)),
      ];
    },
  );
  const customers = generatedTable(
    {
      name: 'Customers',
      folder: 'Dimensions',
      docString: 'Contoso customers',
      columns: [
        { name: 'CustomerKey', type: 'long' },
        { name: 'FirstName', type: 'string' },
        { name: 'CityName', type: 'string' },
        { name: 'CustomerId', type: 'guid' },
      ],
      rowCount: 500,
    },
    37,
    (index, random) => [
      BigInt(index + 1),
      pick(random, ['Ana', 'Bo', 'Chen', 'Dara', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jun']),
      pick(random, CITIES),
      guidFrom(random),
    ],
  );
  const sales = generatedTable(
    {
      name: 'SalesFact',
      folder: 'Facts',
      docString: 'One row per sale',
      columns: [
        { name: 'DateKey', type: 'datetime' },
        { name: 'ProductKey', type: 'long' },
        { name: 'CustomerKey', type: 'long' },
        { name: 'SalesAmount', type: 'real' },
        { name: 'TotalCost', type: 'real' },
        { name: 'Promotion', type: 'bool' },
      ],
      rowCount: 20000,
    },
    41,
    (index, random) => {
      const amount = Math.round(random() * 250000) / 100;
      return [
        SALES_YEAR_START + BigInt(Math.floor((index / 20000) * 365 * 24 * 60)) * TICKS_PER_MINUTE,
        BigInt(1 + Math.floor(random() * 120)),
        BigInt(1 + Math.floor(random() * 500)),
        amount,
        Math.round(amount * (0.4 + random() * 0.4) * 100) / 100,
        random() < 0.2,
      ];
    },
  );
  return {
    name: 'ContosoSales',
    databaseId: 'b1d3a6e5-6c5f-4a6d-8e5a-3f2c8d9b0e12',
    majorVersion: 1,
    minorVersion: 18,
    tables: [sales, products, customers],
    materializedViews: [],
    externalTables: [],
    functions: [
      {
        name: 'SalesByCategory',
        parameters: [{ name: 'category', type: 'string' }],
        body: '{\n    SalesFact\n    | join kind=inner Products on ProductKey\n    | where ProductCategoryName == category\n}',
        folder: 'Reports',
        docString: 'Sales of one product category',
      },
    ],
  };
}

const UPNS = ['alice@contoso.com', 'bob@fabrikam.com', 'carol@contoso.com', 'dave@contoso.com', 'svc-backup@contoso.com'];

function securityLogsDatabase(): DatabaseDefinition {
  const signIns = generatedTable(
    {
      name: 'SigninLogs',
      folder: 'Identity',
      docString: 'Interactive sign-ins (restricted: not readable by every principal)',
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'UserPrincipalName', type: 'string' },
        { name: 'IPAddress', type: 'string' },
        { name: 'ResultType', type: 'int' },
        { name: 'AppDisplayName', type: 'string' },
        { name: 'Location', type: 'string' },
        { name: 'CorrelationId', type: 'guid' },
      ],
      rowCount: 5000,
    },
    43,
    (index, random) => [
      datetimeFromIso('2024-06-01T00:00:00Z') + BigInt(index * 7) * TICKS_PER_MINUTE,
      pick(random, UPNS),
      `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
      random() < 0.9 ? 0 : pick(random, [50126, 50053, 50074, 53003]),
      pick(random, ['Azure Portal', 'Azure Data Explorer', 'Microsoft Teams', 'Outlook']),
      pick(random, ['US', 'GB', 'DE', 'JP', 'IN']),
      guidFrom(random),
    ],
  );
  const auditEvents = generatedTable(
    {
      name: 'AuditEvents',
      folder: 'Audit',
      docString: 'Administrative operations',
      columns: [
        { name: 'Timestamp', type: 'datetime' },
        { name: 'Actor', type: 'string' },
        { name: 'Operation', type: 'string' },
        { name: 'Details', type: 'dynamic' },
      ],
      rowCount: 800,
    },
    47,
    (index, random) => {
      const operation = pick(random, ['Add member', 'Remove member', 'Reset password', 'Update policy']);
      return [
        datetimeFromIso('2024-06-01T00:00:00Z') + BigInt(index * 53) * TICKS_PER_MINUTE,
        pick(random, UPNS),
        operation,
        { target: pick(random, UPNS), succeeded: random() < 0.95 },
      ];
    },
  );
  return {
    name: 'SecurityLogs',
    databaseId: 'c2e4b7f6-7d6a-4b7e-9f6b-4a3d9e0c1f23',
    majorVersion: 2,
    minorVersion: 7,
    tables: [signIns, auditEvents],
    materializedViews: [],
    externalTables: [],
    functions: [],
  };
}

let cachedCatalog: readonly DatabaseDefinition[] | undefined;

/** All databases of the local cluster (built once; rows are generated lazily). */
export function sampleCatalog(): readonly DatabaseDefinition[] {
  cachedCatalog ??= [samplesDatabase(), contosoSalesDatabase(), securityLogsDatabase()];
  return cachedCatalog;
}

export function findDatabase(name: string): DatabaseDefinition | undefined {
  return sampleCatalog().find((db) => db.name.toLowerCase() === name.toLowerCase());
}
