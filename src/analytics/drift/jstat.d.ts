/** The part of jStat (no published types) the drift statistics use. */
declare module 'jstat' {
  interface Distribution {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  export const jStat: {
    normal: Distribution;
    studentt: Distribution;
    mean(xs: number[]): number;
    /** `sample` true: the n − 1 (unbiased) variance. */
    variance(xs: number[], sample?: boolean): number;
    quantiles(xs: number[], ps: number[]): number[];
  };
}
