import type { PiiEntityType } from '../../../src/guardrails/guardrail-policy.schemas';
import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { ibanValid, luhnValid, ssnPartsValid } from '../../../src/guardrails/engine/pii/structured.recognizers';

/** Values the detector reports for one type in a text. */
function found(type: PiiEntityType, text: string): string[] {
  return createPiiDetector([type])
    .find(text)
    .map((m) => text.slice(m.start, m.end));
}

describe('PII recognizers', () => {
  describe('EMAIL', () => {
    it('finds addresses with sub-domains, plus tags and dots', () => {
      expect(found('EMAIL', 'write to ops+alerts@mail.acme-corp.co.uk, thanks')).toEqual(['ops+alerts@mail.acme-corp.co.uk']);
      expect(found('EMAIL', '<j.o.doe@example.io>')).toEqual(['j.o.doe@example.io']);
    });
    it('ignores strings that are not addresses', () => {
      expect(found('EMAIL', 'user@localhost and @handle and a@b')).toEqual([]);
    });
  });

  describe('PHONE', () => {
    it('finds international and national numbers', () => {
      expect(found('PHONE', 'call me on +44 20 7946 0958 after six')).toEqual(['+44 20 7946 0958']);
      expect(found('PHONE', 'my cell is (415) 555-0132.')).toEqual(['(415) 555-0132']);
      expect(found('PHONE', 'Telefon: +49 30 901820')).toEqual(['+49 30 901820']);
      expect(found('PHONE', 'ring 020 7946 0321 tomorrow')).toEqual(['020 7946 0321']);
      expect(found('PHONE', 'whatsapp +91 98765 43210')).toEqual(['+91 98765 43210']);
      expect(found('PHONE', 'Appelez le 06 12 34 56 78 ce soir')).toEqual(['06 12 34 56 78']);
      expect(found('PHONE', 'celular (11) 91234-5678')).toEqual(['(11) 91234-5678']);
      expect(found('PHONE', 'toll free 1 (800) 555-0199')).toEqual(['1 (800) 555-0199']);
    });
    it('does not take dates, versions, ISBNs, SSN shapes or part numbers for phones', () => {
      expect(found('PHONE', 'released 2023-10-05 as build 10.0.19045.3570')).toEqual([]);
      expect(found('PHONE', 'ISBN 978-0-306-40615-7')).toEqual([]);
      expect(found('PHONE', 'test value 219-09-9999')).toEqual([]);
      expect(found('PHONE', 'part 123-456-789 is out of stock')).toEqual([]);
    });
  });

  describe('CREDIT_DEBIT_CARD_NUMBER', () => {
    it('accepts Luhn-valid numbers of known networks, plain or grouped', () => {
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'card 4111 1111 1111 1111 exp 12/29')).toEqual(['4111 1111 1111 1111']);
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'mc 5555-5555-5555-4444')).toEqual(['5555-5555-5555-4444']);
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'amex 378282246310005')).toEqual(['378282246310005']);
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'discover 6011111111111117')).toEqual(['6011111111111117']);
    });
    it('rejects a failed checksum and unknown prefixes', () => {
      expect(luhnValid('4111111111111111')).toBe(true);
      expect(luhnValid('4111111111111112')).toBe(false);
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'gift card 4111 1111 1111 1112')).toEqual([]);
      expect(found('CREDIT_DEBIT_CARD_NUMBER', 'voucher 9999999999999995')).toEqual([]);
    });
  });

  describe('US_SOCIAL_SECURITY_NUMBER', () => {
    it('accepts valid numbers with dashes or spaces', () => {
      expect(found('US_SOCIAL_SECURITY_NUMBER', 'SSN 123-45-6789')).toEqual(['123-45-6789']);
      expect(found('US_SOCIAL_SECURITY_NUMBER', 'social security 234 56 7890')).toEqual(['234 56 7890']);
    });
    it('takes nine plain digits only right after an SSN context word', () => {
      expect(found('US_SOCIAL_SECURITY_NUMBER', 'SSN: 123456789 on file')).toEqual(['123456789']);
      expect(found('US_SOCIAL_SECURITY_NUMBER', 'order 123456789 shipped')).toEqual([]);
      expect(found('US_SOCIAL_SECURITY_NUMBER', 'SSN: 666123456')).toEqual([]);
    });
    it('rejects area 000, 666 and 9xx, group 00 and serial 0000', () => {
      expect(ssnPartsValid('123', '45', '6789')).toBe(true);
      for (const bad of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) {
        expect(found('US_SOCIAL_SECURITY_NUMBER', `SSN ${bad}`)).toEqual([]);
      }
    });
  });

  describe('INTERNATIONAL_BANK_ACCOUNT_NUMBER', () => {
    it('accepts mod-97-valid IBANs, compact or in groups of four', () => {
      expect(ibanValid('GB82WEST12345698765432')).toBe(true);
      expect(found('INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IBAN GB82 WEST 1234 5698 7654 32, ref 7')).toEqual(['GB82 WEST 1234 5698 7654 32']);
      expect(found('INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'to DE89370400440532013000.')).toEqual(['DE89370400440532013000']);
    });
    it('rejects a wrong check digit and a wrong length', () => {
      expect(ibanValid('GB82WEST12345698765433')).toBe(false);
      expect(found('INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IBAN GB82WEST12345698765433')).toEqual([]);
      expect(found('INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IBAN DE8937040044053201300')).toEqual([]);
    });
  });

  describe('IP_ADDRESS', () => {
    it('finds IPv4 and IPv6 (compressed, full, zone)', () => {
      expect(found('IP_ADDRESS', 'from 192.0.2.10 and 2001:db8::1')).toEqual(['192.0.2.10', '2001:db8::1']);
      expect(found('IP_ADDRESS', 'addr 2001:0db8:85a3:0000:0000:8a2e:0370:7334 up')).toEqual(['2001:0db8:85a3:0000:0000:8a2e:0370:7334']);
    });
    it('ignores versions, out-of-range octets and clock times', () => {
      expect(found('IP_ADDRESS', 'Windows build 10.0.19045.3570, 256.1.1.1, at 12:30:45')).toEqual([]);
      expect(found('IP_ADDRESS', 'version 1.2.3.4 shipped')).toEqual([]);
    });
  });

  describe('MAC_ADDRESS', () => {
    it('finds colon, dash and Cisco-dot forms', () => {
      expect(found('MAC_ADDRESS', 'aa:bb:cc:00:11:22 / 00-1A-2B-3C-4D-5E / 001a.2b3c.4d5e')).toEqual(['aa:bb:cc:00:11:22', '00-1A-2B-3C-4D-5E', '001a.2b3c.4d5e']);
    });
    it('needs six groups and one separator', () => {
      expect(found('MAC_ADDRESS', 'partial 00:1A:2B:3C:4D and mixed 00:1A-2B:3C-4D:5E')).toEqual([]);
    });
  });

  describe('URL', () => {
    it('finds http(s) and www links without trailing punctuation', () => {
      expect(found('URL', 'see https://example.org/a/b?q=1&r=2.')).toEqual(['https://example.org/a/b?q=1&r=2']);
      expect(found('URL', '(www.example.com/docs)')).toEqual(['www.example.com/docs']);
    });
    it('ignores plain domains in prose', () => {
      expect(found('URL', 'visit example dot com')).toEqual([]);
    });
  });

  describe('AWS keys', () => {
    it('finds access key ids and secret keys next to their names', () => {
      expect(found('AWS_ACCESS_KEY', 'key=AKIAIOSFODNN7EXAMPLE;')).toEqual(['AKIAIOSFODNN7EXAMPLE']);
      expect(found('AWS_SECRET_KEY', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toEqual(['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
    });
    it('does not take git SHAs or wrong-alphabet ids for keys', () => {
      expect(found('AWS_SECRET_KEY', 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8')).toEqual([]);
      expect(found('AWS_ACCESS_KEY', 'id AKIA0000000000000000 and AKIAIOSFODNN7EXAMPL')).toEqual([]);
    });
  });

  describe('US_PASSPORT_NUMBER and DRIVER_ID', () => {
    it('needs the document word in context', () => {
      expect(found('US_PASSPORT_NUMBER', 'passport number 123456789')).toEqual(['123456789']);
      expect(found('US_PASSPORT_NUMBER', 'my US passport is C03005988')).toEqual(['C03005988']);
      expect(found('US_PASSPORT_NUMBER', 'order 123456789 shipped')).toEqual([]);
      expect(found('DRIVER_ID', "driver's license D1234-5678-9012")).toEqual(['D1234-5678-9012']);
      expect(found('DRIVER_ID', 'license plate ABC-1234 and invoice D12345678')).toEqual([]);
    });
  });

  describe('NAME', () => {
    it('finds person names with and without context words', () => {
      expect(found('NAME', 'Dear Maria Gonzalez, your order shipped.')).toEqual(['Maria Gonzalez']);
      expect(found('NAME', 'Please forward it to Kwame Asante today.')).toEqual(['Kwame Asante']);
      expect(found('NAME', 'The account holder is Johan van der Merwe.')).toEqual(['Johan van der Merwe']);
      expect(found('NAME', 'My name is Siobhan.')).toEqual(['Siobhan']);
    });
    it('does not take places, products, weekdays or sentence starts for names', () => {
      expect(found('NAME', 'The Golden Gate Bridge is in San Francisco.')).toEqual([]);
      expect(found('NAME', 'Open Settings and choose Export on Monday.')).toEqual([]);
      expect(found('NAME', 'We use Microsoft Teams and Google Drive.')).toEqual([]);
    });
  });

  describe('ADDRESS', () => {
    it('finds US, UK, German and French street addresses', () => {
      expect(found('ADDRESS', 'ship to 1600 Pennsylvania Avenue, Washington, DC 20500 please')).toEqual(['1600 Pennsylvania Avenue, Washington, DC 20500']);
      expect(found('ADDRESS', 'office: 10 Downing Street, London SW1A 2AA.')).toEqual(['10 Downing Street, London SW1A 2AA']);
      expect(found('ADDRESS', 'Anschrift: Hauptstraße 5, 10115 Berlin.')).toEqual(['Hauptstraße 5, 10115 Berlin']);
      expect(found('ADDRESS', "j'habite 12 rue de la Paix, 75002 Paris")).toEqual(['12 rue de la Paix, 75002 Paris']);
    });
    it('needs a street-type word after a capitalised street name', () => {
      expect(found('ADDRESS', 'We have 3 Court cases and 2 Park rangers.')).toEqual([]);
      expect(found('ADDRESS', 'Chapter 12 covers the theory.')).toEqual([]);
    });
  });

  it('resolves overlaps: the name inside an email address is part of the email', () => {
    const text = 'From Ana Lima <ana.lima@example.com>';
    const m = createPiiDetector(['EMAIL', 'NAME']).find(text);
    expect(m.map((x) => [x.type, text.slice(x.start, x.end)])).toEqual([
      ['NAME', 'Ana Lima'],
      ['EMAIL', 'ana.lima@example.com'],
    ]);
  });
});
